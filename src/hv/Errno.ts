/**
 * Linux errno values by name (asm-generic errno-base.h and errno.h, the same on x86-64 and arm64):
 * every value the mshv_root driver returns, and the others the system calls around it can answer
 * (open of the device node, close, read and write of an eventfd, mmap), so that an errno from a real
 * host is named (`EACCES`, not `E13`).
 */
export const Errno = {
  EPERM: 1,
  ENOENT: 2,
  ESRCH: 3,
  EINTR: 4,
  EIO: 5,
  ENXIO: 6,
  E2BIG: 7,
  ENOEXEC: 8,
  EBADF: 9,
  ECHILD: 10,
  EAGAIN: 11,
  ENOMEM: 12,
  EACCES: 13,
  EFAULT: 14,
  ENOTBLK: 15,
  EBUSY: 16,
  EEXIST: 17,
  EXDEV: 18,
  ENODEV: 19,
  ENOTDIR: 20,
  EISDIR: 21,
  EINVAL: 22,
  ENFILE: 23,
  EMFILE: 24,
  ENOTTY: 25,
  ETXTBSY: 26,
  EFBIG: 27,
  ENOSPC: 28,
  ESPIPE: 29,
  EROFS: 30,
  EMLINK: 31,
  EPIPE: 32,
  EDOM: 33,
  ERANGE: 34,
  ENAMETOOLONG: 36,
  ENOSYS: 38,
  ELOOP: 40,
  EOVERFLOW: 75,
  EBADFD: 77,
  EOPNOTSUPP: 95,
} as const;

export type ErrnoName = keyof typeof Errno;

const byValue = new Map<number, ErrnoName>(
  (Object.entries(Errno) as [ErrnoName, number][]).map(([name, value]) => [value, name]),
);

/**
 * The errno name for a positive errno value, or undefined when the table does not know it.
 *
 * @example
 * errnoName(12); // 'ENOMEM'
 */
export function errnoName(value: number): ErrnoName | undefined {
  return byValue.get(Math.abs(value));
}

/**
 * True when `name` is an errno name of the table (case matters).
 *
 * @example
 * isErrnoName('EINVAL'); // true; isErrnoName('einval') is false
 */
export function isErrnoName(name: string): name is ErrnoName {
  return Object.hasOwn(Errno, name);
}
