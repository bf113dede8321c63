import { HV_PAGE_SIZE } from '../hv/Page.js';
import type { CallPlan } from './CallPlan.js';

/**
 * The rules a slow call's plan meets before its interrupt window opens (inventory §b.5, design.md
 * principles 4 and 7): at most `traits.batchRepsMax` reps and list elements (the bound the kernel's
 * batch sizes enforce, so the work inside one window is bounded), a fixed header plus list that fits
 * the 4096-byte input page, and a list writer whenever the call carries list elements (else the
 * hypervisor would read whatever an earlier call left on the per-CPU page as the list). A plan that
 * breaks one is a driver bug, not an operating error: this throws a RangeError naming the call, the
 * rule and the numbers. `listCount` is the number of list elements written (by default the plan's).
 *
 * @example
 * checkPlanFits({ def: MapGpaPages, traits, header, repCount: 509, list, op }); // fits
 * checkPlanFits({ def: MapGpaPages, traits, header, repCount: 600, list, op }); // throws: batchRepsMax 509
 */
export function checkPlanFits(plan: CallPlan, listCount: number = plan.listCount ?? plan.repCount): void {
  const { traits } = plan;
  // Built only for an error: this runs before every slow call.
  const where = (): string => `${plan.def.name} (${plan.op})`;
  const max = traits.batchRepsMax;
  if (plan.repCount > max)
    throw new RangeError(
      `${where()}: repCount ${plan.repCount} exceeds batchRepsMax ${max} (${traits.batchBound})`,
    );
  if (listCount > max)
    throw new RangeError(
      `${where()}: listCount ${listCount} exceeds batchRepsMax ${max} (${traits.batchBound})`,
    );
  const inputBytes = traits.headerSize + listCount * traits.elementSize;
  if (inputBytes > HV_PAGE_SIZE)
    throw new RangeError(
      `${where()}: input of ${inputBytes} bytes (header ${traits.headerSize} + ${listCount} × ` +
        `${traits.elementSize}) does not fit the ${HV_PAGE_SIZE}-byte input page`,
    );
  if (plan.list === undefined && listCount > 0 && traits.elementSize > 0)
    throw new RangeError(
      `${where()}: ${listCount} list elements of ${traits.elementSize} bytes planned but no list given`,
    );
}
