import type { HvPage } from '../ports/HvPage.js';
import type { CallPlan } from './CallPlan.js';
import { checkPlanFits } from './checkPlanFits.js';

/**
 * Writes a plan's input (fixed header, then list elements `[from, from + count)`) into the per-CPU
 * input page. This is an extension point: the model checker's self-test swaps in fillers that model
 * broken drivers (for example one that forgets the memset).
 */
export type InputFiller = (plan: CallPlan, page: HvPage, from: number, count: number) => void;

/**
 * The kernel's policy (seed review point 2 and its outcome): memset the input struct, then write its
 * fields and the list. `Layout.encode` zeroes the header span before writing, so reserved and padding
 * bytes left on the per-CPU page by an earlier call never reach the hypervisor. A plan that does not
 * fit (`checkPlanFits`: more than batchRepsMax elements, past the 4096-byte page, list elements with
 * no list) throws a RangeError before a byte is written; windowedExecutor checks the same before it
 * opens the window.
 *
 * @example
 * zeroThenFill(plan, pages.input, 0, plan.repCount);
 */
export const zeroThenFill: InputFiller = (plan, page, from, count) => {
  const layout = plan.def.input;
  if (layout === undefined) throw new Error(`${plan.def.name}: no input layout (passthrough-only call)`);
  checkPlanFits(plan, count);
  layout.encode(plan.header, page.view, 0);
  if (plan.list !== undefined && count > 0) plan.list.write(page, layout.size, from, count);
};
