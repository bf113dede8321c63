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
import type { DriverEnv } from './DriverEnv.js';
import { getGpapAccessBitmap } from './gpapAccessBitmap.js';
import { ioeventfd } from './ioeventfd.js';
import { irqfd } from './irqfd.js';
import { setMsiRouting } from './msiRouting.js';
import { rootHvcall } from './rootHvcall.js';
import { initializePartition } from './initializePartition.js';
import { type IoctlResult, fail, ok } from './IoctlResult.js';
import { KernelPartition, type KernelVp } from './KernelPartition.js';
import { runVp } from './runVp.js';
import { setGuestMemory } from './setGuestMemory.js';
import { type TeardownReport, destroyPartition, releasePartitionFd } from './teardown.js';
import { vpState } from './vpState.js';

type FdEntry =
  | { readonly kind: 'partition'; readonly pt: KernelPartition }
  | { readonly kind: 'vp'; readonly pt: KernelPartition; readonly vp: KernelVp }
  | { readonly kind: 'eventfd' };

/** First fd handed out: 0–2 are the process's standard streams. */
const FIRST_FD = 3;

/**
 * The driver model as a DevicePort: the fd table of a VMM process talking to /dev/mshv, each ioctl
 * dispatched to its kernel routine over one DriverEnv. fds are numbered deterministically from 3 and
 * never reused within a device, so a log names each object unambiguously.
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
  /** Teardown reports of destroyed partitions, newest last. */
  readonly teardowns: TeardownReport[] = [];

  constructor(readonly env: DriverEnv) {
    // Module init (inventory §c.10): the SINT0 callback looks partitions up by hypervisor id, also
    // those whose fd is closed but whose VP fds still hold a reference.
    installMshvIsr(env.shared, (id) => this.#livePartition(id), {
      ackedGsi: (pt, vector) => ackIrqfdResample(env, pt, vector).length > 0,
    });
  }

  /** Live partitions, for checkers (what the driver believes). */
  partitions(): KernelPartition[] {
    const out: KernelPartition[] = [];
    for (const e of this.#fds.values()) if (e.kind === 'partition') out.push(e.pt);
    return out;
  }

  /** The driver's view of the VP behind a VP fd, for runtimes and checkers (what the driver believes). */
  vpOf(fd: Fd): { readonly pt: KernelPartition; readonly vp: KernelVp } | undefined {
    const e = this.#fds.get(fd);
    return e?.kind === 'vp' ? { pt: e.pt, vp: e.vp } : undefined;
  }

  partitionIdOf(fd: Fd): PartitionId | undefined {
    const e = this.#fds.get(fd);
    return e?.kind === 'partition' ? e.pt.id : undefined;
  }

  createPartition(arg: CreatePartitionArgs): IoctlResult<Fd> {
    const r = createPartition(this.env, arg);
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
    return this.#withPartition(fd, 'MSHV_SET_GUEST_MEMORY', (pt) => setGuestMemory(this.env, pt, region));
  }

  createVp(fd: Fd, vpIndex: number): IoctlResult<Fd> {
    return this.#withPartition(fd, 'MSHV_CREATE_VP', (pt) => {
      const vpFd = this.#nextFd;
      const r = createVp(this.env, pt, vpIndex, vpFd);
      if (!r.ok) return r;
      this.#allocFd();
      this.#fds.set(vpFd, { kind: 'vp', pt, vp: r.value });
      return ok(vpFd);
    });
  }

  runVp(fd: Fd): IoctlResult<Uint8Array> {
    return this.#withVp(fd, 'MSHV_RUN_VP', (pt, vp) => runVp(this.env, pt, vp));
  }

  getVpState(fd: Fd, arg: VpStateArgs): IoctlResult<VpStateResult> {
    return this.#withVp(fd, 'MSHV_GET_VP_STATE', (pt, vp) => vpState(this.env, pt, vp, arg, false));
  }

  setVpState(fd: Fd, arg: VpStateArgs): IoctlResult<VpStateResult> {
    return this.#withVp(fd, 'MSHV_SET_VP_STATE', (pt, vp) => vpState(this.env, pt, vp, arg, true));
  }

  irqfd(fd: Fd, arg: UserIrqfd): IoctlResult<void> {
    return this.#withPartition(fd, 'MSHV_IRQFD', (pt) => irqfd(this.env, pt, arg, this.#eventfds()));
  }

  ioeventfd(fd: Fd, arg: UserIoeventfd): IoctlResult<void> {
    return this.#withPartition(fd, 'MSHV_IOEVENTFD', (pt) => ioeventfd(this.env, pt, arg, this.#eventfds()));
  }

  setMsiRouting(fd: Fd, entries: readonly UserIrqEntry[], rsvd = 0): IoctlResult<void> {
    return this.#withPartition(fd, 'MSHV_SET_MSI_ROUTING', (pt) =>
      setMsiRouting(this.env, pt, entries, rsvd),
    );
  }

  getGpapAccessBitmap(fd: Fd, arg: GpapAccessBitmapArgs): IoctlResult<Uint8Array> {
    return this.#withPartition(fd, 'MSHV_GET_GPAP_ACCESS_BITMAP', (pt) =>
      getGpapAccessBitmap(this.env, pt, arg),
    );
  }

  rootHvcall(fd: Fd | 'device', arg: RootHvcallArgs): IoctlResult<RootHvcallResult> {
    if (fd === 'device') return rootHvcall(this.env, undefined, undefined, arg);
    const e = this.#fds.get(fd);
    if (e === undefined || e.kind === 'eventfd')
      return fail('MSHV_ROOT_HVCALL', 'EBADF', `fd ${fd} is not an mshv fd`);
    return e.kind === 'vp'
      ? rootHvcall(this.env, e.pt, e.vp, arg)
      : rootHvcall(this.env, e.pt, undefined, arg);
  }

  createEventfd(): Fd {
    const fd = this.#allocFd();
    this.#fds.set(fd, { kind: 'eventfd' });
    return fd;
  }

  /**
   * close(2). A VP fd drops its partition reference; a partition fd first tears down its eventfds
   * (inventory §c.12), then drops its reference; the last reference destroys the partition.
   */
  close(fd: Fd): IoctlResult<void> {
    const e = this.#fds.get(fd);
    if (e === undefined) return fail('close', 'EBADF', `fd ${fd} is not open`);
    this.#fds.delete(fd);
    if (e.kind === 'eventfd') return ok(undefined);
    if (e.kind === 'partition') releasePartitionFd(this.env, e.pt);
    e.pt.refs -= 1;
    if (e.pt.refs === 0) {
      // No fd references it any more: the ISR no longer finds it, as before (a lookup over the fds).
      this.#byId.delete(e.pt.id);
      this.teardowns.push(destroyPartition(this.env, e.pt));
    }
    return ok(undefined);
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

  #withPartition<T>(fd: Fd, op: string, f: (pt: KernelPartition) => IoctlResult<T>): IoctlResult<T> {
    const e = this.#fds.get(fd);
    if (e === undefined) return fail(op, 'EBADF', `fd ${fd} is not open`);
    // A partition ioctl on another kind of fd reaches another file's ioctl handler: -ENOTTY.
    if (e.kind !== 'partition') return fail(op, 'ENOTTY', `fd ${fd} is not a partition fd`);
    return f(e.pt);
  }

  #withVp<T>(fd: Fd, op: string, f: (pt: KernelPartition, vp: KernelVp) => IoctlResult<T>): IoctlResult<T> {
    const e = this.#fds.get(fd);
    if (e === undefined) return fail(op, 'EBADF', `fd ${fd} is not open`);
    if (e.kind !== 'vp') return fail(op, 'ENOTTY', `fd ${fd} is not a VP fd`);
    return f(e.pt, e.vp);
  }
}

export { CREATE_PARTITION };
