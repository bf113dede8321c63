import type { CallOutcome } from '../CallPlan.js';
import type { DepositFailure } from '../withDepositRetry.js';
import { type IoctlResult, failCall, failDeposit } from './IoctlResult.js';

/**
 * The error a kernel wrapper returns for a failed call with deposit-and-retry: the deposit's errno
 * when a retry deposit failed (the `ret = hv_call_deposit_pages(...)` that ends the loop), with the
 * DEPOSIT_MEMORY call's status when that call is what failed, else hv_result_to_errno of the call's
 * status.
 *
 * @example
 * if (outcome.result !== HV_STATUS_SUCCESS) return failOutcome('MSHV_CREATE_VP', outcome);
 */
export function failOutcome<T = never>(op: string, outcome: CallOutcome, what?: string): IoctlResult<T> {
  const deposit = (outcome as Partial<DepositFailure>).depositFailed;
  if (deposit !== undefined)
    return failDeposit(op, deposit, `${what ?? outcome.plan.def.name}: deposit for a retry`);
  return failCall(op, outcome, what);
}
