import { HvStatus } from '../hv/HvStatus.js';
import type { PartitionId } from '../hv/ids.js';
import type { CallOutcome } from './CallPlan.js';
import type { Executor } from './Executor.js';

/** Deposits `pages` into `target`; returns 0 or a negative errno (see depositPages). */
export type Depositor = (target: PartitionId, pages: number) => number;

/**
 * Bound on deposits in a row that buy no progress: for a single call, deposits before it succeeds;
 * for a rep list (runBatches), deposits with no rep completed in between, so a 1 TiB map that needs
 * ~2,000 deposits of 256 pages for its page tables still completes. The kernel's wrappers loop for as
 * long as deposits succeed (inventory §b.3); a hypervisor that keeps answering INSUFFICIENT_MEMORY
 * would drain the host. The bound makes every operation complete (docs/DECISIONS.md, deviation 3).
 */
export const DEPOSIT_RETRIES_MAX = 64;

/** The outcome of a call that gave up because its deposit failed, with the deposit's errno. */
export interface DepositFailure {
  readonly depositErrno: number;
}

/**
 * Deposit-and-retry for single (non-list) calls: on INSUFFICIENT_MEMORY deposit the plan's
 * `pagesPerRetry` into its target and issue again; stop on any other result, on a failed deposit, or
 * after DEPOSIT_RETRIES_MAX deposits. Plans without a deposit policy pass straight through. Rep list
 * calls resume from reps completed instead (runBatches).
 *
 * @example
 * const exec = withDepositRetry(routeByTraits(fast, windowed), depositor);
 */
export function withDepositRetry(inner: Executor, deposit: Depositor): Executor {
  return (plan) => {
    let deposited = 0;
    for (let attempt = 0; ; attempt++) {
      const outcome = inner(plan);
      const policy = plan.deposit;
      if (
        outcome.result !== HvStatus.INSUFFICIENT_MEMORY ||
        policy === undefined ||
        attempt >= DEPOSIT_RETRIES_MAX
      ) {
        return { ...outcome, depositedPages: deposited };
      }
      const errno = deposit(policy.target, policy.pagesPerRetry);
      if (errno !== 0)
        return { ...outcome, depositedPages: deposited, depositErrno: errno } as CallOutcome & DepositFailure;
      deposited += policy.pagesPerRetry;
    }
  };
}
