import { withRepStart } from '../hv/ControlWord.js';
import { decodeStatus } from '../hv/StatusWord.js';
import type { HvPage } from '../ports/HvPage.js';
import type { HypervisorPort } from '../ports/HypervisorPort.js';
import { HV_STATUS_SUCCESS } from './CallPlan.js';

/** Called once per issue (the first, and every resume) with what crossed the port. */
export type IssueObserver = (
  control: bigint,
  statusWord: bigint,
  result: number,
  repsCompleted: number,
) => void;

/**
 * hv_do_rep_hypercall (inventory §b.1): issue; on SUCCESS with fewer reps completed than asked,
 * write the absolute reps-completed into rep start and issue again, in the same interrupt window.
 * Returns the last status word. Any non-success result ends the loop with the reps completed so far.
 * A hypervisor that answers SUCCESS without progress is a broken invariant (the kernel would spin):
 * progress is measured from the control word's own rep start (hv_do_rep_hypercall_ex presets it), so
 * reps completed at or below max(rep start, the last answer) throws, and an issue never rewinds.
 *
 * @example
 * const status = issueRep(port, control, 509, input, null, () => {});
 */
export function issueRep(
  port: HypervisorPort,
  control: bigint,
  repCount: number,
  input: HvPage | null,
  output: HvPage | null,
  observe: IssueObserver,
): bigint {
  let word = control;
  // The absolute rep index already reached: the preset rep start (bits 48-59), then each answer.
  let lastCompleted = Number((control >> 48n) & 0xfffn);
  for (;;) {
    const status = port.hypercall(word, input, output);
    const { result, repsCompleted } = decodeStatus(status);
    observe(word, status, result, repsCompleted);
    if (result !== HV_STATUS_SUCCESS || repCount === 0 || repsCompleted >= repCount) return status;
    if (repsCompleted <= lastCompleted) {
      throw new Error(`hypervisor returned SUCCESS with no progress at rep ${repsCompleted} of ${repCount}`);
    }
    lastCompleted = repsCompleted;
    word = withRepStart(word, repsCompleted);
  }
}
