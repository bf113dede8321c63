import { STATUS_NO_HYPERCALL_PAGE } from '../hv/StatusWord.js';
import type { CallPlan } from './CallPlan.js';

/** A call's final status as the pipeline counts it. */
export interface CallStatus {
  /** The raw 16-bit result (0xffff for the all-ones word). */
  readonly result: number;
  /** Absolute reps completed; 0 for the all-ones word. */
  readonly repsCompleted: number;
  /** Set for the all-ones status word: no hypercall page (inventory §b.1). */
  readonly noHypercallPage?: true;
}

/**
 * Reads a call's final status word (inventory §b.1): the 16-bit result and the absolute reps
 * completed. The all-ones word (U64_MAX, "no hypercall page") is a failure with no rep done, whatever
 * its rep bits say; its result keeps the low 16 bits and `noHypercallPage` marks it, so its errno is
 * -EOPNOTSUPP (§b.2, `outcomeErrno`). For a rep call, reps completed above the rep count issued is a
 * broken invariant (the hypervisor's count is an absolute index below the count): this throws naming
 * the call, before anything is counted as done.
 *
 * @example
 * readStatusWord(plan, 0x0000_01fd_0000_0000n); // { result: 0, repsCompleted: 509 }
 * readStatusWord(plan, (1n << 64n) - 1n); // { result: 0xffff, repsCompleted: 0, noHypercallPage: true }
 */
export function readStatusWord(plan: CallPlan, status: bigint): CallStatus {
  if (status === STATUS_NO_HYPERCALL_PAGE) return { result: 0xffff, repsCompleted: 0, noHypercallPage: true };
  const result = Number(status & 0xffffn);
  const repsCompleted = Number((status >> 32n) & 0xfffn);
  if (plan.repCount > 0 && repsCompleted > plan.repCount)
    throw new Error(
      `${plan.def.name} (${plan.op}): hypervisor reported ${repsCompleted} reps completed of ` +
        `${plan.repCount} issued`,
    );
  return { result, repsCompleted };
}
