import { Errno, type ErrnoName } from '../hv/Errno.js';
import type { MshvError } from '../pipeline/driver/IoctlResult.js';

/**
 * Where a HostError comes from:
 * - `argument`: the API checked an argument and refused it; nothing reached the control plane, no
 *   record was written;
 * - `refused`: a lifecycle machine's guard refused the request; its snapshot is unchanged and nothing
 *   reached the device (the request's intent is logged: replay refuses it the same way);
 * - `driver`: the operation ran and /dev/mshv (the driver model) failed it: errno, and where a
 *   hypercall failed, its raw 16-bit status and name;
 * - `host`: the host itself (closed, log file unusable).
 */
export type HostErrorSource = 'argument' | 'refused' | 'driver' | 'host';

/**
 * The one error type of the Host API: an MshvError (errno, raw hypervisor status kept even when no
 * table knows it, the failing hypercall, the operation) plus, for refusals and bad arguments, the
 * rule that refused and the field it names.
 *
 * @example
 * const r = partition.mapMemory({ guestPfn: 0n, size: 4095n, userAddr, writable: true });
 * if (!r.ok) r.error; // { source: 'argument', errnoName: 'EINVAL', field: 'size', rule: 'pageAligned', ... }
 */
export interface HostError extends MshvError {
  readonly source: HostErrorSource;
  /** The guard or argument rule that refused the call (absent for driver failures). */
  readonly rule?: string;
  /** The argument at fault, as a path (`size`, `entries[2].gsi`, `options.hostMemory[0].size`). */
  readonly field?: string;
}

/**
 * A refused argument: EINVAL (or `errno`) naming the field and the rule; nothing ran.
 *
 * @example
 * argumentError('partition.mapMemory', 'size', 'pageAligned', '0xfff is not a multiple of 4096');
 */
export function argumentError(
  op: string,
  field: string,
  rule: string,
  message: string,
  errno: ErrnoName = 'EINVAL',
): HostError {
  return {
    source: 'argument',
    errno: Errno[errno],
    errnoName: errno,
    op,
    field,
    rule,
    message: `${op}: ${field}: ${message} (${rule})`,
  };
}

/**
 * An error of the host itself (a closed host, an unusable log file).
 *
 * @example
 * hostError('host.createPartition', 'EBADF', 'hostOpen', 'the host is closed');
 */
export function hostError(
  op: string,
  errno: ErrnoName,
  rule: string,
  message: string,
  field?: string,
): HostError {
  return {
    source: 'host',
    errno: Errno[errno],
    errnoName: errno,
    op,
    rule,
    ...(field === undefined ? {} : { field }),
    message: `${op}: ${message} (${rule})`,
  };
}
