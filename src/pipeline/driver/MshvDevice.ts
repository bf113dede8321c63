import type { PartitionId } from '../../hv/ids.js';
import type {
  CreatePartitionArgs,
  DevicePort,
  Fd,
  GpapAccessBitmapArgs,
  RootHvcallArgs,
  RootHvcallResult,
  UserIoeventfd,
  UserIrqEntry,
  UserIrqfd,
  UserMemRegion,
  VpStateArgs,
  VpStateResult,
} from '../../ports/DevicePort.js';
import { createPartition, CREATE_PARTITION } from './createPartition.js';
import { createVp } from './createVp.js';
import { installMshvIsr } from './mshvIsr.js';
import { ackIrqfdResample } from './ackIrqfdResample.js';
import { type DoorbellRingTails, doorbellIsr } from './doorbellIsr.js';
import type { DriverEnv } from './DriverEnv.js';
import { Eventfd, EVENTFD_READ, EVENTFD_WRITE } from './Eventfd.js';
import { getGpapAccessBitmap } from './gpapAccessBitmap.js';
import { ioeventfd } from './ioeventfd.js';
import { irqfd } from './irqfd.js';
import { setMsiRouting } from './msiRouting.js';
import { rootHvcall } from './rootHvcall.js';
import { initializePartition } from './initializePartition.js';
import { type IoctlResult, fail, ok } from './IoctlResult.js';
import { KernelPartition, type KernelVp } from './KernelPartition.js';
import { portIdsOf } from './portIdAllocator.js';
import { runVp } from './runVp.js';
import { setGuestMemory } from './setGuestMemory.js';
import { signalIrqfd } from './signalIrqfd.js';
import { type TeardownReport, destroyPartition, releasePartitionFd } from './teardown.js';
import { vpState } from './vpState.js';
import { HV_PAGE_SIZE } from '../../hv/Page.js';
import { MshvCreateVp } from '../../hv/uapi/structs/MshvCreateVp.js';
import { MshvGetSetVpState } from '../../hv/uapi/structs/MshvGetSetVpState.js';
import { MshvGpapAccessBitmap } from '../../hv/uapi/structs/MshvGpapAccessBitmap.js';
import { MshvUserIoeventfd } from '../../hv/uapi/structs/MshvUserIoeventfd.js';
import { MshvUserIrqfd } from '../../hv/uapi/structs/MshvUserIrqfd.js';
import { MshvUserMemRegion } from '../../hv/uapi/structs/MshvUserMemRegion.js';
import { abiFits } from './abiFits.js';
import { addressText } from './addressText.js';
import { userPointer } from './userPointer.js';
import { userTablePointer } from './userTablePointer.js';
import { createPartitionFields, ioeventfdFields, irqfdFields } from './uapiFields.js';
import { MMAP, VP_MAPPING_BASE, type VpMapping, vpMappedPfn } from './VpMapping.js';

/** What an open fd refers to. */
export type FdEntry =
  | { readonly kind: 'partition'; readonly pt: KernelPartition }
  | { readonly kind: 'vp'; readonly pt: KernelPartition; readonly vp: KernelVp }
  | { readonly kind: 'eventfd'; readonly eventfd: Eventfd };

/**
 * The device as a snapshot keeps it: the fd table (ascending), the next fd, how many partitions it
 * has destroyed and the doorbell ISR's per-CPU ring tails ([cpu, slot], ascending by CPU).
 */
export interface SavedDevice {
  readonly nextFd: number;
  readonly fds: readonly (readonly [Fd, FdEntry])[];
  readonly teardownCount: number;
  readonly ringTails: readonly (readonly [number, number])[];
  /** Live VP page mappings by address, and how many were ever made (addresses are never reused). */
  readonly mappings?: readonly (readonly [bigint, VpMapping])[];
  readonly mappingsMade?: number;
}

/** First fd handed out: 0–2 are the process's standard streams. */
const FIRST_FD = 3;

/**
 * The driver model as a DevicePort: the fd table of a VMM process talking to /dev/mshv, each ioctl
 * dispatched to its kernel routine over one DriverEnv. fds are numbered deterministically from 3 and
 * never reused within a device, so a log names each object unambiguously. The process's eventfds
 * live in the same table, each with its 64-bit counter: the VMM reads and writes them, the driver
 * signals them (doorbells, irqfd resamplers), and a write to one bound to an irqfd injects.
 *
 * Every syscall first lets pending interrupts in (`takePendingInterrupts`): a SINT0 message the
 * hypervisor posted while the previous call ran (a doorbell rung inside DISPATCH_VP, say) is handled
 * before the next call looks at the state it changes.
 *
 * @example
 * const dev = new MshvDevice(env);
 * const pt = dev.createPartition({ ptFlags: 0n, ptIsolation: 0n });
 */
export class MshvDevice implements DevicePort {
  readonly #fds = new Map<Fd, FdEntry>();
  /**
   * Partitions by hypervisor id while an fd (its own or a VP's) references them: the ISR's lookup,
   * one map access per message instead of a walk over every open fd.
   */
  readonly #byId = new Map<PartitionId, KernelPartition>();
  #nextFd = FIRST_FD;
  /** Live mmaps of VP pages by address; each holds a partition reference until munmap. */
  readonly #mappings = new Map<bigint, VpMapping>();
  #mappingsMade = 0;
  /** Ioctls in progress (a snapshot is only taken between them). */
  #busy = 0;
  #teardownCount = 0;
  #lastTeardown: TeardownReport | null = null;
  /**
   * hv_synic_eventring_tail: the doorbell ISR's read position in each CPU's SINT5 event ring (driver
   * state, inventory §c.11; snapshot it with the fd table).
   */
  readonly doorbellRingTails: DoorbellRingTails = new Map();

  /** Partitions destroyed so far (the last reference to each dropped). */
  get teardownCount(): number {
    return this.#teardownCount;
  }

  /**
   * The report of the most recent destroy, for the caller whose close or munmap caused it (compare
   * `teardownCount` before and after). Only the latest is kept, so a device that creates and
   * destroys partitions for as long as it runs holds none of their history; a snapshot keeps the
   * count only (a report is read in the call that caused it, never across a snapshot).
   */
  get lastTeardown(): TeardownReport | null {
    return this.#lastTeardown;
  }

  /**
   * @param restored a recorded fd table (see `save`); the device continues from it.
   */
  constructor(
    readonly env: DriverEnv,
    restored?: SavedDevice,
  ) {
    if (restored !== undefined) {
      for (const [fd, e] of restored.fds) {
        this.#fds.set(fd, e);
        if (e.kind !== 'eventfd') this.#byId.set(e.pt.id, e.pt);
      }
      this.#nextFd = restored.nextFd;
      for (const [address, m] of restored.mappings ?? []) this.#mappings.set(address, m);
      this.#mappingsMade = restored.mappingsMade ?? 0;
      this.#teardownCount = restored.teardownCount;
      for (const [cpu, slot] of restored.ringTails) this.doorbellRingTails.set(cpu, slot);
    }
    // Module init (inventory §c.10): the SINT0 callback looks partitions up by hypervisor id, also
    // those whose fd is closed but whose VP fds still hold a reference.
    installMshvIsr(env.shared, (id) => this.#livePartition(id), {
      doorbell: (msg) =>
        doorbellIsr(env, this.doorbellRingTails, portIdsOf(env), msg, (pt, portId) => {
          this.#doorbellRung(pt, portId);
        }),
      ackedGsi: (pt, vector) => {
        const resamplefds = ackIrqfdResample(env, pt, vector);
        for (const fd of resamplefds) this.#signalEventfd(fd);
        return resamplefds.length > 0;
      },
    });
  }

  /**
   * The fd table in fd order (entries share their partition and VP objects as the table does), the
   * next fd and the teardown reports, for snapshots.
   *
   * @example
   * device.save().nextFd; // the fd the next open gets
   */
  save(): SavedDevice {
    if (this.#busy > 0) throw new Error('an ioctl is in progress: no snapshot inside an ioctl');
    return {
      nextFd: this.#nextFd,
      fds: [...this.#fds],
      teardownCount: this.#teardownCount,
      ringTails: [...this.doorbellRingTails].sort((a, b) => a[0] - b[0]),
      ...(this.#mappingsMade === 0
        ? {}
        : { mappings: [...this.#mappings], mappingsMade: this.#mappingsMade }),
    };
  }

  /** Live partitions, for checkers (what the driver believes). */
  partitions(): KernelPartition[] {
    const out: KernelPartition[] = [];
    for (const e of this.#fds.values()) if (e.kind === 'partition') out.push(e.pt);
    return out;
  }

  /**
   * The host's mm is about to move `[userAddr, userAddr + pages × 4096)` of the VMM process
   * (migration, compaction, swap-out): the MMU interval notifier of every movable region over it runs
   * (the `invalidateMovable` hook: NEW's mshv_region_interval_invalidate), in partition then region
   * order, for every partition the driver still holds (an fd closed but a reference left included).
   * Answers how many regions it invalidated and how many of those failed their remap (the kernel's
   * WARN_ONCE).
   *
   * @example
   * dev.invalidateUserRange(0x7f0000000000n, 512); // { regions: 1, failed: 0 }
   */
  invalidateUserRange(
    userAddr: bigint,
    pages: number,
  ): { readonly regions: number; readonly failed: number } {
    let regions = 0;
    let failed = 0;
    const page = BigInt(HV_PAGE_SIZE);
    const end = userAddr + BigInt(pages) * page;
    this.#inIoctl(() => {
      for (const pt of this.#byId.values())
        for (const region of pt.regions) {
          if (region.kind !== 'movable') continue;
          const rEnd = region.userAddr + BigInt(region.pages) * page;
          if (rEnd <= userAddr || region.userAddr >= end) continue;
          const from = userAddr > region.userAddr ? userAddr : region.userAddr;
          const to = end < rEnd ? end : rEnd;
          const offset = Number((from - region.userAddr) / page);
          regions += 1;
          if (!this.env.hooks.invalidateMovable(this.env, pt, region, offset, Number((to - from) / page)))
            failed += 1;
        }
    });
    return { regions, failed };
  }

  /** The driver's view of the VP behind a VP fd, for runtimes and checkers (what the driver believes). */
  vpOf(fd: Fd): { readonly pt: KernelPartition; readonly vp: KernelVp } | undefined {
    const e = this.#fds.get(fd);
    return e?.kind === 'vp' ? { pt: e.pt, vp: e.vp } : undefined;
  }

  partitionIdOf(fd: Fd): PartitionId | undefined {
    return this.partitionOf(fd)?.id;
  }

  /** The driver's view of the partition behind a partition fd (what the driver believes). */
  partitionOf(fd: Fd): KernelPartition | undefined {
    const e = this.#fds.get(fd);
    return e?.kind === 'partition' ? e.pt : undefined;
  }

  createPartition(arg: CreatePartitionArgs): IoctlResult<Fd> {
    this.#syscall();
    const noStruct = userPointer(CREATE_PARTITION, 'mshv_create_partition', arg);
    if (noStruct !== null) return noStruct;
    const fields = createPartitionFields(arg);
    const unfit = abiFits(CREATE_PARTITION, fields.layout, () => fields.values);
    if (unfit !== null) return unfit;
    const r = this.#inIoctl(() => createPartition(this.env, arg));
    if (!r.ok) return r;
    const fd = this.#allocFd();
    const pt = new KernelPartition(fd, r.value, arg.ptFlags);
    this.#fds.set(fd, { kind: 'partition', pt });
    this.#byId.set(pt.id, pt);
    return ok(fd);
  }

  initializePartition(fd: Fd): IoctlResult<void> {
    return this.#withPartition(fd, 'MSHV_INITIALIZE_PARTITION', (pt) => initializePartition(this.env, pt));
  }

  setGuestMemory(fd: Fd, region: UserMemRegion): IoctlResult<void> {
    const op = 'MSHV_SET_GUEST_MEMORY';
    return this.#withPartition(
      fd,
      op,
      (pt) => setGuestMemory(this.env, pt, region),
      () => userPointer(op, 'mshv_user_mem_region', region) ?? abiFits(op, MshvUserMemRegion, () => region),
    );
  }

  createVp(fd: Fd, vpIndex: number): IoctlResult<Fd> {
    const op = 'MSHV_CREATE_VP';
    return this.#withPartition(
      fd,
      op,
      (pt) => {
        const vpFd = this.#nextFd;
        const r = createVp(this.env, pt, vpIndex, vpFd);
        if (!r.ok) return r;
        this.#allocFd();
        this.#fds.set(vpFd, { kind: 'vp', pt, vp: r.value });
        return ok(vpFd);
      },
      () => abiFits(op, MshvCreateVp, () => ({ vpIndex })),
    );
  }

  runVp(fd: Fd): IoctlResult<Uint8Array> {
    return this.#withVp(fd, 'MSHV_RUN_VP', (pt, vp) => runVp(this.env, pt, vp));
  }

  getVpState(fd: Fd, arg: VpStateArgs): IoctlResult<VpStateResult> {
    return this.#vpState(fd, 'MSHV_GET_VP_STATE', arg, false);
  }

  setVpState(fd: Fd, arg: VpStateArgs): IoctlResult<VpStateResult> {
    return this.#vpState(fd, 'MSHV_SET_VP_STATE', arg, true);
  }

  irqfd(fd: Fd, arg: UserIrqfd): IoctlResult<void> {
    const op = 'MSHV_IRQFD';
    return this.#withPartition(
      fd,
      op,
      (pt) =>
        irqfd(
          this.env,
          pt,
          arg,
          this.#eventfds(),
          (efd) => (this.eventfdCount(efd) ?? 0n) > 0n,
          new Set(this.#fds.keys()),
        ),
      () => userPointer(op, 'mshv_user_irqfd', arg) ?? abiFits(op, MshvUserIrqfd, () => irqfdFields(arg)),
    );
  }

  ioeventfd(fd: Fd, arg: UserIoeventfd): IoctlResult<void> {
    const op = 'MSHV_IOEVENTFD';
    return this.#withPartition(
      fd,
      op,
      (pt) => ioeventfd(this.env, pt, arg, this.#eventfds(), new Set(this.#fds.keys())),
      () =>
        userPointer(op, 'mshv_user_ioeventfd', arg) ??
        abiFits(op, MshvUserIoeventfd, () => ioeventfdFields(arg)),
    );
  }

  setMsiRouting(fd: Fd, entries: readonly UserIrqEntry[], rsvd = 0): IoctlResult<void> {
    const op = 'MSHV_SET_MSI_ROUTING';
    return this.#withPartition(
      fd,
      op,
      (pt) => setMsiRouting(this.env, pt, entries, rsvd),
      () => userTablePointer(op, 'mshv_user_irq_table', entries),
    );
  }

  getGpapAccessBitmap(fd: Fd, arg: GpapAccessBitmapArgs): IoctlResult<Uint8Array> {
    const op = 'MSHV_GET_GPAP_ACCESS_BITMAP';
    return this.#withPartition(
      fd,
      op,
      (pt) => getGpapAccessBitmap(this.env, pt, arg),
      () =>
        userPointer(op, 'mshv_gpap_access_bitmap', arg) ??
        abiFits(op, MshvGpapAccessBitmap, () => ({ ...arg, bitmapPtr: 0n })),
    );
  }

  /**
   * MSHV_ROOT_HVCALL on /dev/mshv (always open here), a partition fd or a VP fd. As every ioctl: the
   * fd first (EBADF, ENOTTY for an eventfd), then the struct and its input buffer (EFAULT).
   */
  rootHvcall(fd: Fd | 'device', arg: RootHvcallArgs): IoctlResult<RootHvcallResult> {
    this.#syscall();
    const op = 'MSHV_ROOT_HVCALL';
    const copyIn = (): IoctlResult<never> | null => userPointer(op, 'mshv_root_hvcall', arg, ['input']);
    if (fd === 'device')
      return copyIn() ?? this.#inIoctl(() => rootHvcall(this.env, undefined, undefined, arg));
    const e = this.#fds.get(fd);
    if (e === undefined) return fail(op, 'EBADF', `fd ${fd} is not open`);
    // An eventfd has no ioctl method: vfs_ioctl answers -ENOTTY (inventory §a.1).
    if (e.kind === 'eventfd') return fail(op, 'ENOTTY', `fd ${fd} is not an mshv fd`);
    return (
      copyIn() ??
      this.#inIoctl(() =>
        e.kind === 'vp' ? rootHvcall(this.env, e.pt, e.vp, arg) : rootHvcall(this.env, e.pt, undefined, arg),
      )
    );
  }

  createEventfd(): Fd {
    this.#syscall();
    const fd = this.#allocFd();
    this.#fds.set(fd, { kind: 'eventfd', eventfd: new Eventfd() });
    return fd;
  }

  readEventfd(fd: Fd): IoctlResult<bigint> {
    this.#syscall();
    const e = this.#fds.get(fd);
    if (e === undefined) return fail(EVENTFD_READ, 'EBADF', `fd ${fd} is not open`);
    // read(2) on an mshv fd reaches a file with no read method.
    if (e.kind !== 'eventfd') return fail(EVENTFD_READ, 'EINVAL', `fd ${fd} is not an eventfd`);
    return e.eventfd.read();
  }

  writeEventfd(fd: Fd, value: bigint): IoctlResult<void> {
    this.#syscall();
    const e = this.#fds.get(fd);
    if (e === undefined) return fail(EVENTFD_WRITE, 'EBADF', `fd ${fd} is not open`);
    if (e.kind !== 'eventfd') return fail(EVENTFD_WRITE, 'EINVAL', `fd ${fd} is not an eventfd`);
    const r = e.eventfd.write(value);
    if (r.ok) this.#wakeEventfd(fd, e.eventfd);
    return r;
  }

  /** An eventfd's count without consuming it (what /proc/PID/fdinfo shows), for checkers and tests. */
  eventfdCount(fd: Fd): bigint | undefined {
    const e = this.#fds.get(fd);
    return e?.kind === 'eventfd' ? e.eventfd.count : undefined;
  }

  /**
   * close(2). A VP fd drops its partition reference; a partition fd first tears down its eventfds
   * (inventory §c.12), then drops its reference; the last reference destroys the partition. Closing
   * an eventfd hangs up its waiters: every irqfd bound to it is deactivated (POLLHUP), as when the
   * last reference to an eventfd file goes.
   */
  close(fd: Fd): IoctlResult<void> {
    this.#syscall();
    const e = this.#fds.get(fd);
    if (e === undefined) return fail('close', 'EBADF', `fd ${fd} is not open`);
    this.#fds.delete(fd);
    if (e.kind === 'eventfd') {
      for (const pt of this.#irqfdPartitions(fd)) removeIrqfds(pt, fd);
      return ok(undefined);
    }
    return this.#inIoctl(() => {
      if (e.kind === 'partition') releasePartitionFd(this.env, e.pt);
      this.#dropReference(e.pt);
      return ok(undefined);
    });
  }

  /**
   * mmap(2) of one page of a VP fd at page offset `pgoff` (MSHV_VP_MMAP_OFFSET_*, inventory §c.7):
   * the VP's register page (0), intercept-message page (1) or GHCB (2). ENODEV for a page the VP
   * does not have and for an fd without mmap (a partition fd, an eventfd), EINVAL for another
   * offset, EBADF for an fd that is not open. The mapping references the VP's file: its partition is
   * not destroyed until the mapping goes (`munmap`), even after every fd is closed.
   */
  mmapVp(fd: Fd, pgoff: number): IoctlResult<bigint> {
    this.#syscall();
    const e = this.#fds.get(fd);
    if (e === undefined) return fail(MMAP, 'EBADF', `fd ${fd} is not open`);
    if (e.kind !== 'vp') return fail(MMAP, 'ENODEV', `fd ${fd} is not a VP fd (no mmap)`);
    const pfn = vpMappedPfn(e.vp, pgoff);
    if (!pfn.ok) return pfn;
    const address = VP_MAPPING_BASE + BigInt(this.#mappingsMade) * BigInt(HV_PAGE_SIZE);
    this.#mappingsMade += 1;
    this.#mappings.set(address, { pt: e.pt, vp: e.vp, pgoff });
    e.pt.refs += 1;
    return ok(address);
  }

  /** The 4096 bytes a VP page mapping shows now; EFAULT for an address no mapping starts at. */
  readMapped(address: bigint): IoctlResult<Uint8Array> {
    const m = typeof address === 'bigint' ? this.#mappings.get(address) : undefined;
    if (m === undefined) return fail(MMAP, 'EFAULT', `${addressText(address)} is not a mapped VP page`);
    const pfn = vpMappedPfn(m.vp, m.pgoff);
    if (!pfn.ok) return pfn;
    return ok(this.env.shared.readPage(pfn.value));
  }

  /** munmap(2) of a VP page mapping: drops its reference (the last one destroys the partition). */
  munmap(address: bigint): IoctlResult<void> {
    this.#syscall();
    if (typeof address !== 'bigint')
      return fail('munmap', 'EINVAL', `address ${String(address)}: expected a bigint user address`);
    if (address % BigInt(HV_PAGE_SIZE) !== 0n)
      return fail('munmap', 'EINVAL', `0x${address.toString(16)} is not page aligned`);
    const m = this.#mappings.get(address);
    // As on Linux, unmapping a page that holds no mapping succeeds and does nothing.
    if (m === undefined) return ok(undefined);
    this.#mappings.delete(address);
    return this.#inIoctl(() => {
      this.#dropReference(m.pt);
      return ok(undefined);
    });
  }

  /** One reference to a partition gone; the last one destroys it (mshv_partition_put). */
  #dropReference(pt: KernelPartition): void {
    pt.refs -= 1;
    if (pt.refs === 0) {
      // Nothing references it any more; the ISR still finds it until teardown step 4 (§c.12).
      this.#lastTeardown = destroyPartition(this.env, pt, () => this.#byId.delete(pt.id));
      this.#teardownCount += 1;
    }
  }

  /** Interrupts are taken on the way into the kernel (see the class comment). */
  #syscall(): void {
    this.env.shared.takePendingInterrupts();
  }

  /** ioeventfd_mmio_write: the doorbell callback signals the eventfd of the ioeventfd on that port. */
  #doorbellRung(pt: KernelPartition, portId: number): void {
    const io = pt.ioeventfds.find((p) => p.portId === portId);
    if (io !== undefined) this.#signalEventfd(io.eventfd);
  }

  /** eventfd_signal from the kernel (doorbell, resampler): count + 1, then wake the waiters. */
  #signalEventfd(fd: Fd): void {
    const e = this.#fds.get(fd);
    // A closed eventfd's context may still be referenced by the kernel; nobody can read it.
    if (e?.kind !== 'eventfd') return;
    e.eventfd.signal();
    this.#wakeEventfd(fd, e.eventfd);
  }

  /**
   * Wake an eventfd's waiters (EPOLLIN): each irqfd bound to it (mshv_irqfd_wakeup) reads the count
   * away and injects its interrupt (signalIrqfd), in partition fd order.
   */
  #wakeEventfd(fd: Fd, eventfd: Eventfd): void {
    for (const pt of this.#irqfdPartitions(fd)) {
      eventfd.count = 0n;
      signalIrqfd(this.env, pt, fd);
    }
  }

  /** Partitions (fd not yet released) with an irqfd bound to eventfd `fd`. */
  #irqfdPartitions(fd: Fd): KernelPartition[] {
    const out: KernelPartition[] = [];
    for (const e of this.#fds.values())
      if (e.kind === 'partition' && e.pt.irqfds.some((f) => f.eventfd === fd)) out.push(e.pt);
    return out;
  }

  #livePartition(id: PartitionId): KernelPartition | undefined {
    return this.#byId.get(id);
  }

  #allocFd(): Fd {
    const fd = this.#nextFd;
    this.#nextFd += 1;
    return fd;
  }

  #eventfds(): ReadonlySet<number> {
    const s = new Set<number>();
    for (const [fd, e] of this.#fds) if (e.kind === 'eventfd') s.add(fd);
    return s;
  }

  #vpState(fd: Fd, op: string, arg: VpStateArgs, set: boolean): IoctlResult<VpStateResult> {
    return this.#withVp(
      fd,
      op,
      (pt, vp) => vpState(this.env, pt, vp, arg, set),
      () =>
        userPointer(op, 'mshv_get_set_vp_state', arg) ??
        abiFits(op, MshvGetSetVpState, () => ({ ...arg, bufPtr: 0n })),
    );
  }

  /**
   * A partition ioctl, in ioctl(2)'s order: interrupts taken on the way in, then fdget (EBADF), then
   * the file's handler (ENOTTY for another kind of fd), then `copyIn`, the handler's copy of the
   * struct (EFAULT when it is not there: `userPointer`) and the adapter's check that its values fit
   * the uapi fields (EINVAL: `abiFits`), and only then the kernel routine `f`.
   */
  #withPartition<T>(
    fd: Fd,
    op: string,
    f: (pt: KernelPartition) => IoctlResult<T>,
    copyIn: () => IoctlResult<never> | null = noRefusal,
  ): IoctlResult<T> {
    this.#syscall();
    const e = this.#fds.get(fd);
    if (e === undefined) return fail(op, 'EBADF', `fd ${fd} is not open`);
    // A partition ioctl on another kind of fd reaches another file's ioctl handler: -ENOTTY.
    if (e.kind !== 'partition') return fail(op, 'ENOTTY', `fd ${fd} is not a partition fd`);
    return copyIn() ?? this.#inIoctl(() => f(e.pt));
  }

  /** A VP ioctl, in the order of `#withPartition`. */
  #withVp<T>(
    fd: Fd,
    op: string,
    f: (pt: KernelPartition, vp: KernelVp) => IoctlResult<T>,
    copyIn: () => IoctlResult<never> | null = noRefusal,
  ): IoctlResult<T> {
    this.#syscall();
    const e = this.#fds.get(fd);
    if (e === undefined) return fail(op, 'EBADF', `fd ${fd} is not open`);
    if (e.kind !== 'vp') return fail(op, 'ENOTTY', `fd ${fd} is not a VP fd`);
    return copyIn() ?? this.#inIoctl(() => f(e.pt, e.vp));
  }

  /** Run an ioctl's kernel routine, counted as in progress (snapshots refuse to run inside one). */
  #inIoctl<T>(f: () => T): T {
    this.#busy += 1;
    try {
      return f();
    } finally {
      this.#busy -= 1;
    }
  }
}

/** An ioctl without a struct (INITIALIZE_PARTITION, RUN_VP): nothing to copy in. */
function noRefusal(): null {
  return null;
}

/** Drop every irqfd of `pt` bound to eventfd `fd` (irqfd_deactivate on POLLHUP). */
function removeIrqfds(pt: KernelPartition, fd: Fd): void {
  for (let i = pt.irqfds.length - 1; i >= 0; i--) if (pt.irqfds[i]?.eventfd === fd) pt.irqfds.splice(i, 1);
}

export { CREATE_PARTITION };
