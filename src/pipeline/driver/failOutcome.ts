import type { CallOutcome } from '../CallPlan.js';
import type { DepositFailure } from '../withDepositRetry.js';
import { type IoctlResult, failCall, failErrno } from './IoctlResult.js';

/**
 * The error a kernel wrapper returns for a failed call with deposit-and-retry: the deposit's errno
 * when a retry deposit failed (the `ret = hv_call_deposit_pages(...)` that ends the loop), else
 * hv_result_to_errno of the call's status.
 *
 * @example
 * if (outcome.result !== HV_STATUS_SUCCESS) return failOutcome('MSHV_CREATE_VP', outcome);
 */
export function failOutcome<T = never>(op: string, outcome: CallOutcome, what?: string): IoctlResult<T> {
  const depositErrno = (outcome as Partial<DepositFailure>).depositErrno;
  if (depositErrno !== undefined) {
    return failErrno(op, depositErrno, `${what ?? outcome.plan.def.name}: deposit for a retry failed`);
  }
  return failCall(op, outcome, what);
}
