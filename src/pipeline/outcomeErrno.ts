import { Errno } from '../hv/Errno.js';
import { hvResultToErrno } from '../hv/HvStatus.js';
import type { CallOutcome } from './CallPlan.js';

/**
 * hv_result_to_errno for a call's outcome (inventory §b.2): 0 for SUCCESS, the table's negative
 * errno for a known result, -EIO for an unknown one, and -EOPNOTSUPP when the status word was
 * all-ones (no hypercall page), which the 16-bit result alone cannot tell from 0xffff.
 *
 * @example
 * outcomeErrno({ plan, result: 0x0b, repsCompleted: 0, output: undefined, depositedPages: 0 }); // -12
 */
export function outcomeErrno(outcome: CallOutcome): number {
  if (outcome.noHypercallPage === true) return -Errno.EOPNOTSUPP;
  return hvResultToErrno(BigInt(outcome.result));
}
