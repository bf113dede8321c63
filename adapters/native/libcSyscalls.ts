import { createRequire } from 'node:module';
import type { SysResult, Syscalls, UserBuffer } from './Syscalls.js';

type Koffi = typeof import('koffi');
/** A pointer koffi hands back from libc (an opaque external object). */
type Pointer = object;

interface Libc {
  readonly koffi: Koffi;
  readonly open: (path: string, flags: number) => number;
  readonly close: (fd: number) => number;
  /** Variadic, as libc declares it: the argument is passed with its type (`'void *'`). */
  readonly ioctl: (fd: number, request: number, type: 'void *', arg: Pointer | null) => number;
  readonly eventfd: (initval: number, flags: number) => number;
  readonly read: (fd: number, buf: Pointer, count: number) => number;
  readonly write: (fd: number, buf: Pointer, count: number) => number;
  readonly alignedAlloc: (align: number, size: number) => Pointer | null;
  readonly free: (ptr: Pointer) => void;
  readonly mmap: (
    addr: null,
    length: number,
    prot: number,
    flags: number,
    fd: number,
    offset: number,
  ) => Pointer;
  readonly munmap: (addr: bigint, length: number) => number;
  /** sysconf(_SC_PAGESIZE): the unit of an mmap page offset. */
  readonly pageSize: number;
}

/** mmap(2) constants (Linux, every architecture): PROT_READ, MAP_SHARED, and sysconf's _SC_PAGESIZE. */
const PROT_READ = 1;
const MAP_SHARED = 1;
const SC_PAGESIZE = 30;
/** MAP_FAILED, (void *) -1. */
const MAP_FAILED = 0xffff_ffff_ffff_ffffn;

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
    // open and ioctl are variadic in libc; they are declared so, whatever the ABI does with varargs.
    open: f('int open(const char *path, int flags, ...)'),
    close: f('int close(int fd)'),
    ioctl: f('int ioctl(int fd, unsigned long request, ...)'),
    eventfd: f('int eventfd(unsigned int initval, int flags)'),
    read: f('long read(int fd, void *buf, unsigned long count)'),
    write: f('long write(int fd, void *buf, unsigned long count)'),
    alignedAlloc: f('void *aligned_alloc(unsigned long alignment, unsigned long size)'),
    free: f('void free(void *ptr)'),
    mmap: f('void *mmap(void *addr, unsigned long length, int prot, int flags, int fd, long offset)'),
    munmap: f('int munmap(uintptr_t addr, unsigned long length)'),
    pageSize: (lib.func('long sysconf(int name)') as unknown as (name: number) => number)(SC_PAGESIZE),
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
  const mapped = new Map<bigint, { readonly ptr: Pointer; readonly length: number }>();
  const answer = (r: number): SysResult =>
    r >= 0 ? { ok: true, value: r } : { ok: false, errno: c.koffi.errno() };
  const pointerOf = (buf: UserBuffer): Pointer => {
    const p = pointers.get(buf);
    if (p === undefined)
      throw new Error('libcSyscalls: a buffer this instance did not allocate (or already freed)');
    return p;
  };
  return {
    pageSize: c.pageSize,
    open: (path, flags) => answer(c.open(path, flags)),
    close: (fd) => answer(c.close(fd)),
    ioctl: (fd, request, arg) => answer(c.ioctl(fd, request, 'void *', arg === null ? null : pointerOf(arg))),
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
    mmap: (fd, length, pgoff) => {
      const ptr = c.mmap(null, length, PROT_READ, MAP_SHARED, fd, pgoff * c.pageSize);
      const address = c.koffi.address(ptr);
      if (address === MAP_FAILED) return { ok: false, errno: c.koffi.errno() };
      mapped.set(address, { ptr, length });
      return { ok: true, value: address };
    },
    munmap: (address, length) => {
      const r = answer(c.munmap(address, length));
      if (r.ok) mapped.delete(address);
      return r;
    },
    peek: (address, length) => {
      const m = mapped.get(address);
      if (m === undefined || length > m.length)
        throw new Error(
          `peek: 0x${address.toString(16)} (+${length}) is not inside a mapping of this instance`,
        );
      return new Uint8Array(c.koffi.view(m.ptr, length)).slice();
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
