import { errnoName } from '../../src/hv/Errno.js';
import type { IoctlResult, MshvError } from '../../src/pipeline/driver/IoctlResult.js';
import type { SysResult } from './Syscalls.js';

/**
 * The errno of a failed system call as an MshvError of `op`, named by its Linux name (src/hv/Errno:
 * the driver's errnos and the others a system call can answer, `EACCES` from open say); a value
 * outside that table is `E<n>`.
 *
 * @example
 * sysError('open', 13, 'open /dev/mshv'); // { errno: 13, errnoName: 'EACCES', op: 'open', message: 'open /dev/mshv: EACCES' }
 */
export function sysError(op: string, errno: number, what: string): MshvError {
  const name = errnoName(errno) ?? (`E${errno}` as const);
  return { errno, errnoName: name, op, message: `${what}: ${name}` };
}

/**
 * A failed ioctl as a result: the errno, naming the request and the fd.
 *
 * @example
 * failedIoctl('MSHV_RUN_VP', 4, { ok: false, errno: 4 }).error.message; // 'MSHV_RUN_VP on fd 4: EINTR'
 */
export function failedIoctl<T>(
  op: string,
  fd: number,
  r: SysResult & { readonly ok: false },
): IoctlResult<T> {
  return { ok: false, error: sysError(op, r.errno, `${op} on fd ${fd}`) };
}
