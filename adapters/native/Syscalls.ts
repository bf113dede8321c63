/**
 * A system call's answer as Linux gives it: a non-negative value, or an errno (positive, as in
 * `errno(3)`; the raw syscall returns its negation).
 */
export type SysResult =
  { readonly ok: true; readonly value: number } | { readonly ok: false; readonly errno: number };

/**
 * Process memory the kernel may address: an ioctl argument struct, or a buffer one of its pointer
 * fields names (`buf_ptr`, `in_ptr`, `bitmap_ptr`). `bytes` is a live view of it: what the caller
 * writes there is what the kernel reads, and what the kernel writes shows there after the call.
 */
export interface UserBuffer {
  /** The user virtual address the kernel is handed. */
  readonly address: bigint;
  readonly bytes: Uint8Array;
}

/**
 * The few libc calls the native adapter makes (open, close, ioctl, eventfd, read, write, mmap,
 * munmap), the system page size, and the memory it hands the kernel. `libcSyscalls()` implements them with real calls into libc; tests
 * implement them with a kernel of their own (the driver model behind the same ABI), which is how the
 * native adapter's encoding of every uapi struct is checked on a machine without /dev/mshv.
 *
 * @example
 * const sys = libcSyscalls();
 * const r = sys.open('/dev/mshv', O_RDWR | O_CLOEXEC); // { ok: false, errno: 2 } without the driver
 */
export interface Syscalls {
  /**
   * The system page size, sysconf(_SC_PAGESIZE): the kernel's PAGE_SIZE, which VP state buffers are
   * aligned to and pinned in (inventory §c.7) and the unit of an mmap page offset. 4096 on x86-64;
   * 4096, 16384 or 65536 on arm64. Not the hypervisor's page (HV_PAGE_SIZE, always 4096).
   */
  readonly pageSize: number;
  open(path: string, flags: number): SysResult;
  close(fd: number): SysResult;
  /** ioctl(2) with a pointer argument (null for an `_IO` request, which passes 0). */
  ioctl(fd: number, request: number, arg: UserBuffer | null): SysResult;
  /** eventfd(2). */
  eventfd(initval: number, flags: number): SysResult;
  /** read(2) of `length` bytes into the start of `buf`. */
  read(fd: number, buf: UserBuffer, length: number): SysResult;
  /** write(2) of the first `length` bytes of `buf`. */
  write(fd: number, buf: UserBuffer, length: number): SysResult;
  /**
   * mmap(2) of `length` bytes of `fd` from page offset `pgoff`, PROT_READ and MAP_SHARED: the address
   * of the mapping.
   */
  mmap(
    fd: number,
    length: number,
    pgoff: number,
  ): { readonly ok: true; readonly value: bigint } | { readonly ok: false; readonly errno: number };
  /** munmap(2). */
  munmap(address: bigint, length: number): SysResult;
  /** A copy of `length` bytes at `address` inside a mapping `mmap` returned (anything else throws: a fault). */
  peek(address: bigint, length: number): Uint8Array;
  /** `size` bytes of zeroed memory at an address aligned to `align` (a power of two, at least 8). */
  alloc(size: number, align: number): UserBuffer;
  /** Give memory from `alloc` back; the buffer must not be used again. */
  free(buf: UserBuffer): void;
}

/** open(2) flags the adapter uses (x86-64 and arm64 Linux values). */
export const O_RDWR = 0o2;
export const O_CLOEXEC = 0o2000000;
/** eventfd(2) flags: EFD_NONBLOCK and EFD_CLOEXEC (= O_NONBLOCK, O_CLOEXEC). */
export const EFD_NONBLOCK = 0o4000;
export const EFD_CLOEXEC = 0o2000000;
