import type { ErrnoName } from '../hv/Errno.js';
import type { JsonValue } from '../log/JsonValue.js';
import type { MshvError } from '../pipeline/driver/IoctlResult.js';

/**
 * What a request to the control plane came to:
 * - `done`: every operation it started succeeded; `value` is the last one's (JSON-safe: u64 as
 *   `0x` strings, bytes as hex);
 * - `rejected`: a machine guard refused it before anything ran (the snapshot is unchanged);
 * - `failed`: an operation failed with the driver's error (errno, hypervisor status, hypercall);
 * - `pending`: a VP run whose thread sleeps in MSHV_RUN_VP until the guest exits or a signal
 *   arrives; its outcome comes later under `ticket`.
 */
export type RequestOutcome =
  | { readonly status: 'done'; readonly value: JsonValue }
  | { readonly status: 'rejected'; readonly errno: ErrnoName; readonly rule: string }
  | { readonly status: 'failed'; readonly error: MshvError }
  | { readonly status: 'pending'; readonly ticket: number };

/**
 * The errno an outcome reports ('OK' when done, undefined while pending).
 *
 * @example
 * outcomeErrno({ status: 'rejected', errno: 'EBUSY', rule: 'vp running' }); // 'EBUSY'
 * outcomeErrno({ status: 'done', value: null }); // 'OK'
 */
export function outcomeErrno(o: RequestOutcome): ErrnoName | `E${number}` | 'OK' | undefined {
  switch (o.status) {
    case 'done':
      return 'OK';
    case 'rejected':
      return o.errno;
    case 'failed':
      return o.error.errnoName;
    case 'pending':
      return undefined;
  }
}
