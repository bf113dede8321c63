import { Errno, type ErrnoName, errnoName } from '../../hv/Errno.js';
import { hvStatusName } from '../../hv/HvStatus.js';
import type { CallOutcome } from '../CallPlan.js';
import { outcomeErrno } from '../outcomeErrno.js';
import type { Deposited } from '../withDepositRetry.js';

/**
 * A failed /dev/mshv operation as a value: the errno the kernel returns, and where it came from a
 * hypercall, the raw 16-bit hypervisor status (kept even when unknown) and the call's name.
 */
export interface MshvError {
  readonly errno: number;
  readonly errnoName: ErrnoName | `E${number}`;
  readonly hvStatus?: number;
  readonly hvStatusName?: string;
  readonly hypercall?: string;
  /** The ioctl (or teardown step) that failed, e.g. MSHV_SET_GUEST_MEMORY. */
  readonly op: string;
  readonly message: string;
}

export type IoctlResult<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: MshvError };

/**
 * A success carrying `value`.
 *
 * @example
 * ok(3); // { ok: true, value: 3 }
 */
export const ok = <T>(value: T): IoctlResult<T> => ({ ok: true, value });

/**
 * A validation failure: the errno and the rule that was broken, naming the field.
 *
 * @example
 * fail('MSHV_CREATE_VP', 'EINVAL', 'vp_index 256 >= MSHV_MAX_VPS (256)');
 */
export function fail<T = never>(op: string, errno: ErrnoName, message: string): IoctlResult<T> {
  return { ok: false, error: { errno: Errno[errno], errnoName: errno, op, message } };
}

/**
 * A failure from a negative errno value returned by a kernel routine (a deposit, say).
 *
 * @example
 * failErrno('MSHV_INITIALIZE_PARTITION', -12, 'deposit failed').error.errnoName; // 'ENOMEM'
 */
export function failErrno<T = never>(op: string, negErrno: number, message: string): IoctlResult<T> {
  const value = Math.abs(negErrno);
  return { ok: false, error: { errno: value, errnoName: errnoName(value) ?? `E${value}`, op, message } };
}

/**
 * A failure from a hypercall outcome: errno by hv_result_to_errno (-EOPNOTSUPP for an all-ones
 * status word, `outcomeErrno`), status and call kept.
 *
 * @example
 * failCall('MSHV_SET_GUEST_MEMORY', outcome).error.message; // for MAP_GPA_PAGES answering 0x0b:
 * // 'MAP_GPA_PAGES failed: HV_STATUS_INSUFFICIENT_MEMORY' (errnoName 'ENOMEM', hvStatus 0x0b)
 */
export function failCall<T = never>(op: string, outcome: CallOutcome, what?: string): IoctlResult<T> {
  const errno = -outcomeErrno(outcome);
  const status = hvStatusName(outcome.result);
  return {
    ok: false,
    error: {
      errno,
      errnoName: errnoName(errno) ?? `E${errno}`,
      hvStatus: outcome.result,
      hvStatusName: status,
      hypercall: outcome.plan.def.name,
      op,
      message: `${what ?? outcome.plan.def.name} failed: HV_STATUS_${status}`,
    },
  };
}

/**
 * A failure because a deposit failed (hv_call_deposit_pages' errno ends the wrapper): as a failed
 * hypercall when DEPOSIT_MEMORY is what failed (its status and name kept, errno by
 * hv_result_to_errno), else the bare errno (the pages could not be allocated).
 *
 * @example
 * failDeposit('MSHV_INITIALIZE_PARTITION', deposited, 'deposit of 208 pages').error.hypercall; // 'DEPOSIT_MEMORY'
 */
export function failDeposit<T = never>(op: string, d: Deposited, what: string): IoctlResult<T> {
  return d.call === null ? failErrno(op, d.errno, `${what} failed`) : failCall(op, d.call, what);
}
