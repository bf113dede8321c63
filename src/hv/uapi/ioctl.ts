/**
 * Linux ioctl request encoding (asm-generic, as on x86-64), inventory §a and facts `ioctl_encoding`:
 * `dir << 30 | size << 16 | type << 8 | nr`, with a 2-bit direction, a 14-bit argument size, an
 * 8-bit type and an 8-bit number. Requests are u32 values held in a JS number.
 */

/** Direction bits (`_IOC_NONE`, `_IOC_WRITE`, `_IOC_READ`; `_IOWR` is both). */
export const IOC_DIR = { _IO: 0, _IOW: 1, _IOR: 2, _IOWR: 3 } as const;

/** The macro that builds a request: it names the direction. */
export type IocMacro = keyof typeof IOC_DIR;
export type IocDir = (typeof IOC_DIR)[IocMacro];

/** `MSHV_IOCTL`: the ioctl type byte of every /dev/mshv request (shared with Marvell CN10K DPI, §a.3). */
export const MSHV_IOCTL = 0xb8;

/** Largest argument size the 14-bit size field holds. */
export const IOC_SIZE_MAX = 0x3fff;

/** The four fields of a request number. */
export interface IocFields {
  readonly dir: IocDir;
  readonly type: number;
  readonly nr: number;
  readonly size: number;
}

const MACRO_BY_DIR: readonly IocMacro[] = ['_IO', '_IOW', '_IOR', '_IOWR'];

function checkField(what: string, value: number, max: number): void {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new RangeError(`ioctl ${what}: ${value} is not an integer in [0, ${max}]`);
  }
}

/**
 * Build a request number. Throws a RangeError naming the field that does not fit
 * (dir 2 bits, type 8 bits, nr 8 bits, size 14 bits).
 *
 * @example
 * ioc(IOC_DIR._IOWR, MSHV_IOCTL, 0x07, 32); // 0xC020B807 (MSHV_ROOT_HVCALL)
 */
export function ioc(dir: number, type: number, nr: number, size: number): number {
  checkField('dir', dir, 3);
  checkField('type', type, 0xff);
  checkField('nr', nr, 0xff);
  checkField('size', size, IOC_SIZE_MAX);
  // Multiplication, not `<<`: bit 31 would make a JS shift negative.
  return dir * 2 ** 30 + size * 2 ** 16 + type * 2 ** 8 + nr;
}

/**
 * `_IO(type, nr)`: no argument.
 *
 * @example
 * _IO(MSHV_IOCTL, 0x00); // 0x0000B800 (MSHV_INITIALIZE_PARTITION)
 */
export const _IO = (type: number, nr: number): number => ioc(IOC_DIR._IO, type, nr, 0);

/**
 * `_IOW(type, nr, size)`: userspace writes an argument of `size` bytes.
 *
 * @example
 * _IOW(MSHV_IOCTL, 0x00, 16); // 0x4010B800 (MSHV_CREATE_PARTITION)
 */
export const _IOW = (type: number, nr: number, size: number): number => ioc(IOC_DIR._IOW, type, nr, size);

/**
 * `_IOR(type, nr, size)`: the kernel writes an argument of `size` bytes back.
 *
 * @example
 * _IOR(MSHV_IOCTL, 0x00, 256); // 0x8100B800 (MSHV_RUN_VP)
 */
export const _IOR = (type: number, nr: number, size: number): number => ioc(IOC_DIR._IOR, type, nr, size);

/**
 * `_IOWR(type, nr, size)`: the argument is read and written back.
 *
 * @example
 * _IOWR(MSHV_IOCTL, 0x06, 32); // 0xC020B806 (MSHV_GET_GPAP_ACCESS_BITMAP)
 */
export const _IOWR = (type: number, nr: number, size: number): number => ioc(IOC_DIR._IOWR, type, nr, size);

/**
 * The macro name of a direction value.
 *
 * @example
 * iocMacro(3); // '_IOWR'
 */
export function iocMacro(dir: IocDir): IocMacro {
  return MACRO_BY_DIR[dir] ?? '_IO';
}

/**
 * Split a request number into dir, type, nr and size. Throws a RangeError naming `request` when the
 * value is not an unsigned 32-bit integer.
 *
 * @example
 * decodeIocRequest(0x8100b800); // { dir: 2, type: 0xb8, nr: 0, size: 256 }
 */
export function decodeIocRequest(request: number | bigint): IocFields {
  const big =
    typeof request === 'bigint' ? request : Number.isSafeInteger(request) ? BigInt(request) : undefined;
  if (big === undefined || big < 0n || big > 0xffff_ffffn) {
    throw new RangeError(`ioctl request: ${String(request)} is not an unsigned 32-bit value`);
  }
  const n = Number(big);
  return {
    dir: Math.floor(n / 2 ** 30) as IocDir,
    size: Math.floor(n / 2 ** 16) & IOC_SIZE_MAX,
    type: (n >>> 8) & 0xff,
    nr: n & 0xff,
  };
}

/**
 * Format a request as the kernel headers print it: `0x` and 8 upper-case hex digits.
 *
 * @example
 * formatRequest(47104); // '0x0000B800'
 */
export function formatRequest(request: number): string {
  return `0x${request.toString(16).toUpperCase().padStart(8, '0')}`;
}
