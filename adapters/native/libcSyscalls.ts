import { createRequire } from 'node:module';
import type { SysResult, Syscalls, UserBuffer } from './Syscalls.js';

type Koffi = typeof import('koffi');
/** A pointer koffi hands back from libc (an opaque external object). */
type Pointer = object;

interface Libc {
  readonly koffi: Koffi;
  readonly open: (path: string, flags: number) => number;
  readonly close: (fd: number) => number;
  readonly ioctl: (fd: number, request: number, arg: Pointer | null) => number;
  readonly eventfd: (initval: number, flags: number) => number;
  readonly read: (fd: number, buf: Pointer, count: number) => number;
  readonly write: (fd: number, buf: Pointer, count: number) => number;
  readonly alignedAlloc: (align: number, size: number) => Pointer | null;
  readonly free: (ptr: Pointer) => void;
}

let libc: Libc | undefined;

/** libc through koffi (prebuilt, no native build), loaded on first use. */
function loadLibc(): Libc {
  if (libc !== undefined) return libc;
  if (process.platform !== 'linux')
    throw new Error(`the native adapter needs Linux (/dev/mshv); this is ${process.platform}`);
  const koffi = createRequire(import.meta.url)('koffi') as Koffi;
  const lib = koffi.load('libc.so.6');
  const f = (decl: string): never => lib.func(decl) as never;
  libc = {
    koffi,
    open: f('int open(const char *path, int flags)'),
    close: f('int close(int fd)'),
    ioctl: f('int ioctl(int fd, unsigned long request, void *arg)'),
    eventfd: f('int eventfd(unsigned int initval, int flags)'),
    read: f('long read(int fd, void *buf, unsigned long count)'),
    write: f('long write(int fd, void *buf, unsigned long count)'),
    alignedAlloc: f('void *aligned_alloc(unsigned long alignment, unsigned long size)'),
    free: f('void free(void *ptr)'),
  };
  return libc;
}

/**
 * The real system calls, through libc: what the native adapter uses on a host with /dev/mshv. Memory
 * for the kernel comes from `aligned_alloc` (page-aligned buffers for VP state), is zeroed, and is
 * seen through a view without copies (`koffi.view`). Buffers are the caller's to `free`.
 *
 * @example
 * const sys = libcSyscalls();
 * const efd = sys.eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC); // { ok: true, value: 5 }
 */
export function libcSyscalls(): Syscalls {
  const c = loadLibc();
  const pointers = new WeakMap<UserBuffer, Pointer>();
  const answer = (r: number): SysResult =>
    r >= 0 ? { ok: true, value: r } : { ok: false, errno: c.koffi.errno() };
  const pointerOf = (buf: UserBuffer): Pointer => {
    const p = pointers.get(buf);
    if (p === undefined)
      throw new Error('libcSyscalls: a buffer this instance did not allocate (or already freed)');
    return p;
  };
  return {
    open: (path, flags) => answer(c.open(path, flags)),
    close: (fd) => answer(c.close(fd)),
    ioctl: (fd, request, arg) => answer(c.ioctl(fd, request, arg === null ? null : pointerOf(arg))),
    eventfd: (initval, flags) => answer(c.eventfd(initval, flags)),
    read: (fd, buf, length) => {
      if (length > buf.bytes.length)
        throw new RangeError(`read: ${length} bytes into a ${buf.bytes.length}-byte buffer`);
      return answer(c.read(fd, pointerOf(buf), length));
    },
    write: (fd, buf, length) => {
      if (length > buf.bytes.length)
        throw new RangeError(`write: ${length} bytes from a ${buf.bytes.length}-byte buffer`);
      return answer(c.write(fd, pointerOf(buf), length));
    },
    alloc: (size, align) => {
      if (!Number.isSafeInteger(size) || size <= 0)
        throw new RangeError(`alloc.size: ${size} is not a positive integer`);
      if (!Number.isSafeInteger(align) || align < 8 || (align & (align - 1)) !== 0)
        throw new RangeError(`alloc.align: ${align} is not a power of two of at least 8`);
      // aligned_alloc wants a size that is a multiple of the alignment.
      const rounded = Math.ceil(size / align) * align;
      const ptr = c.alignedAlloc(align, rounded);
      if (ptr === null) throw new Error(`aligned_alloc(${align}, ${rounded}) failed: out of memory`);
      const bytes = new Uint8Array(c.koffi.view(ptr, rounded), 0, size);
      bytes.fill(0);
      const buf: UserBuffer = { address: c.koffi.address(ptr), bytes };
      pointers.set(buf, ptr);
      return buf;
    },
    free: (buf) => {
      c.free(pointerOf(buf));
      pointers.delete(buf);
    },
  };
}
