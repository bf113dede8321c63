import { HvStatus } from '../hv/HvStatus.js';
import type { PartitionId } from '../hv/ids.js';
import type { CallOutcome } from './CallPlan.js';
import type { Executor } from './Executor.js';

/**
 * What a deposit gave (hv_call_deposit_pages, see depositPages): `errno` 0, or its negative errno
 * and, when the DEPOSIT_MEMORY hypercall is what failed, that call's outcome (its status and name
 * go into the error, as for any failed hypercall); `call` is null for a failure before any call (the
 * pages could not be allocated: -ENOMEM; more than HV_DEPOSIT_MAX: -E2BIG).
 */
export interface Deposited {
  readonly errno: number;
  readonly call: CallOutcome | null;
}

/** Deposits `pages` into `target` (see depositPages). */
export type Depositor = (target: PartitionId, pages: number) => Deposited;

/**
 * Bound on deposits in a row that buy no progress: for a single call, deposits before it succeeds;
 * for a rep call or a rep list (runBatches), deposits with no rep completed in between, so a 1 TiB map that needs
 * ~2,000 deposits of 256 pages for its page tables still completes. The kernel's wrappers loop for as
 * long as deposits succeed (inventory §b.3); a hypervisor that keeps answering INSUFFICIENT_MEMORY
 * would drain the host. The bound makes every operation complete (docs/DECISIONS.md, deviation 3).
 */
export const DEPOSIT_RETRIES_MAX = 64;

/** The outcome of a call that gave up because its deposit failed, with what the deposit gave. */
export interface DepositFailure {
  readonly depositFailed: Deposited;
}

/**
 * Deposit-and-retry for single (non-list) calls: on INSUFFICIENT_MEMORY deposit the plan's
 * `pagesPerRetry` into its target and issue again; stop on any other result, on a failed deposit, or
 * after DEPOSIT_RETRIES_MAX deposits in a row that bought no progress. Plans without a deposit policy
 * pass straight through. A rep plan resumes from the reps completed, as the kernel's retry after a
 * deposit does (hv_do_rep_hypercall_ex with the rep start preset, inventory §b.1 and §d
 * "INSUFFICIENT_MEMORY"): the reps the hypervisor already did are never issued again, and a retry
 * that completed reps renews the budget. Rep lists cut into batches go through runBatches instead.
 *
 * @example
 * const exec = withDepositRetry(routeByTraits(fast, windowed), depositor);
 */
export function withDepositRetry(inner: Executor, deposit: Depositor): Executor {
  return (plan) => {
    let deposited = 0;
    let retries = 0;
    let next = plan;
    for (;;) {
      const outcome = inner(next);
      const policy = plan.deposit;
      if (outcome.result !== HvStatus.INSUFFICIENT_MEMORY || policy === undefined)
        return { ...outcome, depositedPages: deposited };
      // A rep plan resumes after the reps completed; reps completed renew the budget.
      if (plan.repCount > 0 && outcome.repsCompleted > (next.repStart ?? 0)) {
        retries = 0;
        next = { ...plan, repStart: outcome.repsCompleted };
      }
      if (retries >= DEPOSIT_RETRIES_MAX) return { ...outcome, depositedPages: deposited };
      const d = deposit(policy.target, policy.pagesPerRetry);
      if (d.errno !== 0)
        return { ...outcome, depositedPages: deposited, depositFailed: d } as CallOutcome & DepositFailure;
      deposited += policy.pagesPerRetry;
      retries += 1;
    }
  };
}
