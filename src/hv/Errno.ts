/** Linux errno values (x86-64 asm-generic) that the mshv_root driver returns, by name. */
export const Errno = {
  EPERM: 1,
  ENOENT: 2,
  EINTR: 4,
  EIO: 5,
  E2BIG: 7,
  EBADF: 9,
  EAGAIN: 11,
  ENOMEM: 12,
  EFAULT: 14,
  EBUSY: 16,
  EEXIST: 17,
  ENODEV: 19,
  EINVAL: 22,
  ENOTTY: 25,
  ENOSPC: 28,
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
