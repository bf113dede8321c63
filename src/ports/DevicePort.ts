import type { PartitionId } from '../hv/ids.js';
import type { CreatePartitionArgs } from '../pipeline/driver/createPartition.js';
import type { IoctlResult } from '../pipeline/driver/IoctlResult.js';
import type { UserMemRegion } from '../pipeline/driver/setGuestMemory.js';

export type { CreatePartitionArgs, IoctlResult, UserMemRegion };

/** struct mshv_user_irqfd. */
export interface UserIrqfd {
  readonly fd: number;
  readonly resamplefd: number;
  readonly gsi: number;
  readonly flags: number;
}

/** struct mshv_user_ioeventfd, with `rsvd` as one value (must be 0). */
export interface UserIoeventfd {
  readonly datamatch: bigint;
  readonly addr: bigint;
  readonly len: number;
  readonly fd: number;
  readonly flags: number;
  readonly rsvd?: number;
}

/** struct mshv_user_irq_entry. */
export interface UserIrqEntry {
  readonly gsi: number;
  readonly addressLo: number;
  readonly addressHi: number;
  readonly data: number;
}

/** struct mshv_gpap_access_bitmap without the user pointer (the bitmap comes back as bytes). */
export interface GpapAccessBitmapArgs {
  readonly accessType: number;
  readonly accessOp: number;
  readonly rsvd?: bigint;
  readonly pageCount: bigint;
  readonly gpapBase: bigint;
}

/** struct mshv_get_set_vp_state without the user pointer: the buffer travels as bytes. */
export interface VpStateArgs {
  readonly type: number;
  readonly rsvd?: number;
  /** Buffer size in bytes (page aligned, non-zero). */
  readonly bufSz: number;
  /** SET only: the state bytes (length ≤ bufSz). */
  readonly data?: Uint8Array;
}

export interface VpStateResult {
  /** buf_sz as written back: the required (or actual) size. */
  readonly bufSz: number;
  readonly data: Uint8Array;
}

/** struct mshv_root_hvcall with the user buffers as bytes. */
export interface RootHvcallArgs {
  readonly code: number;
  readonly reps: number;
  readonly input: Uint8Array;
  /** Output buffer size (0: no output buffer). */
  readonly outSz: number;
  readonly status?: number;
  readonly rsvd?: bigint;
}

export interface RootHvcallResult {
  readonly status: number;
  readonly reps: number;
  readonly output: Uint8Array;
}

/** The fd a DevicePort operation acts on; numbers as the process would see them. */
export type Fd = number;

/**
 * What /dev/mshv offers (design.md, "Layers and ports"): one method per mshv_root ioctl, taking the
 * uapi struct's fields and answering a typed result or an MshvError with the kernel's errno. The
 * driver model (src/pipeline/driver over a HypervisorPort) implements it, and so will the native
 * adapter; one contract test suite runs on both.
 */
export interface DevicePort {
  /** MSHV_CREATE_PARTITION on /dev/mshv: a new partition fd. */
  createPartition(arg: CreatePartitionArgs): IoctlResult<Fd>;
  /** MSHV_INITIALIZE_PARTITION. */
  initializePartition(partitionFd: Fd): IoctlResult<void>;
  /** MSHV_SET_GUEST_MEMORY (map, or unmap with the UNMAP flag). */
  setGuestMemory(partitionFd: Fd, region: UserMemRegion): IoctlResult<void>;
  /** MSHV_CREATE_VP: a new VP fd. */
  createVp(partitionFd: Fd, vpIndex: number): IoctlResult<Fd>;
  /** MSHV_RUN_VP: the 256-byte hv_message of the exit. */
  runVp(vpFd: Fd): IoctlResult<Uint8Array>;
  /** MSHV_GET_VP_STATE. */
  getVpState(vpFd: Fd, arg: VpStateArgs): IoctlResult<VpStateResult>;
  /** MSHV_SET_VP_STATE. */
  setVpState(vpFd: Fd, arg: VpStateArgs): IoctlResult<VpStateResult>;
  /** MSHV_IRQFD. */
  irqfd(partitionFd: Fd, arg: UserIrqfd): IoctlResult<void>;
  /** MSHV_IOEVENTFD. */
  ioeventfd(partitionFd: Fd, arg: UserIoeventfd): IoctlResult<void>;
  /** MSHV_SET_MSI_ROUTING: the table is replaced whole. `rsvd` is the header's reserved u32. */
  setMsiRouting(partitionFd: Fd, entries: readonly UserIrqEntry[], rsvd?: number): IoctlResult<void>;
  /** MSHV_GET_GPAP_ACCESS_BITMAP: one bit per page. */
  getGpapAccessBitmap(partitionFd: Fd, arg: GpapAccessBitmapArgs): IoctlResult<Uint8Array>;
  /** MSHV_ROOT_HVCALL on a partition fd, a VP fd or /dev/mshv itself (fd `'device'`). */
  rootHvcall(fd: Fd | 'device', arg: RootHvcallArgs): IoctlResult<RootHvcallResult>;
  /**
   * eventfd(2) with EFD_NONBLOCK: a 64-bit counter, starting at 0, that the VMM hands to MSHV_IRQFD
   * (as `fd` or `resamplefd`) and MSHV_IOEVENTFD.
   */
  createEventfd(): Fd;
  /**
   * read(2) of 8 bytes on an eventfd: the count, which becomes 0. EAGAIN when the count is 0 (the
   * non-blocking read); EBADF for an fd that is not open, EINVAL for one that is not an eventfd.
   * The kernel adds 1 to an ioeventfd's eventfd each time the guest rings its doorbell, and to an
   * irqfd's resample eventfd each time the guest acknowledges (EOI) that gsi.
   *
   * @example
   * dev.readEventfd(efd); // { ok: true, value: 1n } after one doorbell write
   */
  readEventfd(fd: Fd): IoctlResult<bigint>;
  /**
   * write(2) of the u64 `value` on an eventfd: adds it to the count (EINVAL for 2^64 − 1, EAGAIN when
   * the count would pass 2^64 − 2). Any successful write wakes the eventfd's waiters: an irqfd bound
   * to it on a partition reads the count away and injects its gsi's interrupt (ASSERT_VIRTUAL_INTERRUPT).
   *
   * @example
   * dev.writeEventfd(efd, 1n); // the irqfd on efd injects its interrupt; the count reads 0 after
   */
  writeEventfd(fd: Fd, value: bigint): IoctlResult<void>;
  /**
   * mmap(2) of one page of a VP fd at page offset `pgoff` (MSHV_VP_MMAP_OFFSET_*: 0 registers,
   * 1 intercept message, 2 GHCB; inventory §c.7), read only: the address of the mapping. ENODEV when
   * the VP has no such page (or the fd has no mmap), EINVAL for another offset. A mapping holds a
   * reference to the VP's file: the partition outlives its fds until `munmap`.
   */
  mmapVp(vpFd: Fd, pgoff: number): IoctlResult<bigint>;
  /** The page a VP mapping shows now (4096 bytes, copied); EFAULT where no mapping starts. */
  readMapped(address: bigint): IoctlResult<Uint8Array>;
  /** munmap(2) of a VP page mapping; an address with no mapping succeeds (Linux), a misaligned one is EINVAL. */
  munmap(address: bigint): IoctlResult<void>;
  /** close(2): releasing a partition fd's last reference runs the full teardown. */
  close(fd: Fd): IoctlResult<void>;
  /** The hypervisor partition id behind a partition fd (for logs and checkers). */
  partitionIdOf(partitionFd: Fd): PartitionId | undefined;
}
