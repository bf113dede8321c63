import type { PartitionRequest } from '../../machines/partition/PartitionEvent.js';
import { DIRTY_BITMAP_PAGES_MAX } from '../../machines/partition/partitionGuards.js';
import { partitionPropertyCode } from '../hv/flags/HvPartitionProperty.js';
import { MSHV_MAX_VPS } from '../hv/uapi/flags.js';
import { GFN_LIMIT } from '../pipeline/driver/setGuestMemory.js';
import type { JsonValue } from '../log/JsonValue.js';
import { hexToBytes } from '../log/hexBytes.js';
import { HV_INTERCEPT_TYPE } from '../runtime/executePartitionOp.js';
import { hex64 } from '../runtime/opArgs.js';
import { stateName } from '../runtime/stateName.js';
import { DirtyBitmap } from './DirtyBitmap.js';
import type { Ioeventfd, Irqfd } from './Eventfds.js';
import { argumentError } from './HostError.js';
import { objectArg } from './objectArg.js';
import { isJsonObject } from './isJsonObject.js';
import type { HostSession, PartitionRef } from './HostSession.js';
import type { MsiRoute } from './MsiRoute.js';
import { msiTableOf } from './msiTableOf.js';
import { type PartitionSnapshot, partitionSnapshotOf } from './PartitionSnapshot.js';
import type { InterceptKind } from './PartitionSpec.js';
import type { Region } from './Region.js';
import { mappedRegionKey } from './mappedRegionKey.js';
import { type MapMemorySpec, regionOf } from './regionOf.js';
import { type Result, failure, success } from './Result.js';
import { retryInterrupted } from './retryInterrupted.js';
import { boolField, intField, U64_END, u64Field } from './u64Field.js';
import { Vp } from './Vp.js';
import { describeArg } from '../scenario/describeArg.js';

const IOEVENTFD_LENGTHS: readonly number[] = [0, 1, 2, 4, 8];

/**
 * A partition (the partition fd of MSHV_CREATE_PARTITION), made by `host.createPartition`. Each call
 * is a request to the partition's lifecycle machine, which refuses what its phase does not allow
 * (errno and rule) and otherwise performs the operations it names on /dev/mshv; all return a Result.
 *
 * @example
 * const p = host.createPartition({ flags: ['LAPIC', 'X2APIC', 'GPA_SUPER_PAGES'] });
 * if (p.ok) {
 *   p.value.initialize();
 *   p.value.mapMemory({ guestPfn: 0n, size: 1n << 30n, userAddr: 0x7f00_0000_0000n, writable: true });
 * }
 */
export class Partition {
  readonly #session: HostSession;
  readonly #ref: PartitionRef;
  readonly #gone: ((partition: Partition) => void) | undefined;
  readonly #vps = new Map<number, Vp>();
  #msiRoutes: readonly MsiRoute[] = [];
  /** The irqfds assigned through this handle and not deassigned, by eventfd. */
  readonly #irqfds = new Map<number, Irqfd>();
  /** The ioeventfds assigned through this handle and not deassigned, by eventfd. */
  readonly #ioeventfds = new Map<number, Ioeventfd>();

  /** @internal Made by `Host.createPartition`; `gone` hears when its close lets the partition go. */
  constructor(
    session: HostSession,
    /** The partition's name in the host, the machine and the log. */
    readonly name: string,
    /** The partition fd. */
    readonly fd: number,
    gone?: (partition: Partition) => void,
  ) {
    this.#session = session;
    const serial = session.plane.partitionSerial(name);
    if (serial === undefined) throw new Error(`Partition '${name}': the control plane has no such partition`);
    this.#ref = { name, serial };
    this.#gone = gone;
    session.adopt(this);
  }

  /** @internal Which partition this handle was made for: its name and the plane's serial for it. */
  get ref(): PartitionRef {
    return this.#ref;
  }

  /**
   * The lifecycle phase: `created` … `running`, `paused` … `closed` (machines/partition). Once
   * `configured` (a VP, a region or an intercept made it so), a partition stays `configured` until
   * `start`, even when `unmapMemory` takes away its last region: phases never go back. Post-init
   * properties follow what is configured now, so with no VP, region or intercept left they are
   * taken again.
   */
  get phase(): string {
    return this.#snapshot()?.context.phase ?? 'closed';
  }

  /** The machine's full state path (`live.running`, `closing.releaseVps.issue`). */
  get state(): string {
    const snap = this.#snapshot();
    return snap === undefined ? 'closed' : stateName(snap.value);
  }

  /** The machine's snapshot while this handle's partition is the one its name names. */
  #snapshot(): ReturnType<HostSession['plane']['partitionSnapshot']> {
    return this.#session.stale(this.#ref) ? undefined : this.#session.plane.partitionSnapshot(this.name);
  }

  /** The VPs created so far, by index. */
  get vps(): ReadonlyMap<number, Vp> {
    return this.#vps;
  }

  /** The MSI routing table last installed (the shadow of vmm-lifecycle-rules 6): a failed replace leaves it. */
  get msiRoutes(): readonly MsiRoute[] {
    return this.#msiRoutes;
  }

  /**
   * MSHV_INITIALIZE_PARTITION (inventory §c.3); idempotent.
   *
   * @example
   * partition.initialize(); // { ok: true, value: undefined }
   */
  initialize(): Result<void> {
    return this.#unit('partition.initialize', { type: 'INITIALIZE' });
  }

  /**
   * SET_PARTITION_PROPERTY by name (HV_PARTITION_PROPERTY_*): early properties before `initialize`,
   * post-init ones after it and before the partition is configured (rule 1). TIME_FREEZE,
   * REFERENCE_TIME and GPA_PAGE_ACCESS_TRACKING have their own calls.
   *
   * @example
   * partition.setProperty('UNIMPLEMENTED_MSR_ACTION', 1n);
   */
  setProperty(name: string, value: bigint | number): Result<void> {
    const op = 'partition.setProperty';
    if (typeof name !== 'string' || partitionPropertyCode(name) === undefined)
      return failure(
        argumentError(
          op,
          'name',
          'knownProperty',
          `${describeArg(name)} is not an HV_PARTITION_PROPERTY name`,
        ),
      );
    const v = u64Field(op, 'value', value);
    if (!v.ok) return v;
    return this.#unit(op, { type: 'SET_PROPERTY', property: name, value: hex64(v.value) });
  }

  /**
   * MSHV_SET_GUEST_MEMORY: map `size` bytes of the VMM's memory at `userAddr` into the guest at
   * `guestPfn` (2 MiB pages where backing and alignment allow, MMIO for an MMIO range). While dirty
   * tracking is on the new region's pages are marked dirty as part of the map, so the next read
   * reports them (vmm-lifecycle-rules 7).
   *
   * @example
   * const ram = partition.mapMemory({ guestPfn: 0n, size: 4n << 30n, userAddr, writable: true, executable: true });
   */
  mapMemory(spec: MapMemorySpec): Result<Region> {
    const op = 'partition.mapMemory';
    const bad = objectArg(
      op,
      'spec',
      spec,
      'a MapMemorySpec { guestPfn, size, userAddr, writable?, executable? }',
      ['guestPfn', 'size', 'userAddr', 'writable', 'executable'],
    );
    if (bad !== undefined) return bad;
    const region = regionOf(op, spec);
    if (!region.ok) return region;
    const r = region.value;
    const flags = (r.writable ? 1 : 0) | (r.executable ? 2 : 0);
    const detail = { guestPfn: hex64(r.guestPfn), size: hex64(r.size), userAddr: hex64(r.userAddr), flags };
    const done = this.#request(op, { type: 'MAP_MEMORY', region: r.key, detail });
    return done.ok ? success(Object.freeze(r)) : done;
  }

  /**
   * MSHV_SET_GUEST_MEMORY with UNMAP: the region exactly as it was mapped. The phase stays
   * `configured` after the last region goes (see `phase`).
   *
   * @example
   * partition.unmapMemory(ram);
   */
  unmapMemory(region: Region): Result<void> {
    const op = 'partition.unmapMemory';
    const bad = objectArg(op, 'region', region, 'the Region mapMemory returned');
    if (bad !== undefined) return bad;
    const session = this.#session;
    // A closed host or a stale handle is refused (EBADF) before any lookup.
    const refused = session.handleRefusal(op, this.#ref);
    if (refused !== undefined) return refused;
    const key = mappedRegionKey(op, region, session.plane.regions(this.name));
    return key.ok ? this.#unit(op, { type: 'UNMAP_MEMORY', region: key.value }) : key;
  }

  /**
   * MSHV_CREATE_VP, then the VP is ready to run; with `restore` it stays `created` until the caller
   * restored its state (rule 8's order) and called `vp.ready()`, and before the first `start()` the
   * partition waits for the snapshot's clock (`setReferenceTime`, rules 3 and 8). A create the driver fails EINTR or
   * EAGAIN is made again, up to `CREATE_ATTEMPTS_MAX` attempts (vmm-lifecycle-rules 4).
   *
   * @example
   * const vp = partition.createVp(0);
   */
  createVp(index: number, options: { readonly restore?: boolean } = {}): Result<Vp> {
    const op = 'partition.createVp';
    const i = intField(op, 'index', index, 0, MSHV_MAX_VPS - 1, 'vpIndexBelowMax');
    if (!i.ok) return i;
    // Checked before the request: a refused argument leaves no VP behind.
    const bad = objectArg(op, 'options', options, 'options { restore? }', ['restore']);
    if (bad !== undefined) return bad;
    const restore = boolField(op, 'options.restore', options.restore);
    if (!restore.ok) return restore;
    // Rule 4: a create the driver fails EINTR or EAGAIN is made again (bounded).
    // A restored VP tells the partition so: START then waits for the snapshot's clock (rules 3, 8).
    const request = restore.value
      ? { type: 'CREATE_VP' as const, vp: i.value, restore: true }
      : { type: 'CREATE_VP' as const, vp: i.value };
    const created = retryInterrupted(() => this.#request(op, request));
    if (!created.ok) return created;
    const vp = new Vp(this.#session, this.#ref, i.value);
    this.#vps.set(i.value, vp);
    if (!restore.value) {
      const ready = vp.ready();
      if (!ready.ok) return ready;
    }
    return success(vp);
  }

  /**
   * Let the VPs run (configured → running); time must be thawed, and a partition with a VP created
   * for a restore needs the snapshot's clock written first (`setReferenceTime`; EPERM
   * `restoredClockWrittenBeforeStart` before that: rules 3 and 8).
   *
   * @example
   * partition.start();
   */
  start(): Result<void> {
    return this.#unit('partition.start', { type: 'START' });
  }

  /**
   * Pause (vmm-lifecycle-rules 3): park every VP, kicking a run asleep in MSHV_RUN_VP out with EINTR,
   * save the guest clock, quiesce devices, freeze time.
   *
   * @example
   * partition.pause();
   */
  pause(): Result<void> {
    return this.#unit('partition.pause', { type: 'PAUSE' });
  }

  /**
   * Resume (rule 3): restore the saved clock (or the one `setReferenceTime` wrote while paused),
   * thaw time, resume devices, then the VPs: every VP, a VP parked on its own with `vp.park()`
   * before or during the pause included.
   *
   * @example
   * partition.resume();
   */
  resume(): Result<void> {
    return this.#unit('partition.resume', { type: 'RESUME' });
  }

  /**
   * TIME_FREEZE = 1 (rule 2), only with the VPs parked.
   *
   * @example
   * partition.freezeTime();
   */
  freezeTime(): Result<void> {
    return this.#unit('partition.freezeTime', { type: 'FREEZE_TIME' });
  }

  /**
   * TIME_FREEZE = 0 (rule 2; idempotent).
   *
   * @example
   * partition.thawTime();
   */
  thawTime(): Result<void> {
    return this.#unit('partition.thawTime', { type: 'THAW_TIME' });
  }

  /**
   * REFERENCE_TIME = `value` (100 ns ticks), only while time is frozen (rule 2). Written while
   * paused, it replaces the clock the pause saved: the resume writes it back (a restore in place).
   *
   * @example
   * partition.freezeTime(); partition.setReferenceTime(0n);
   */
  setReferenceTime(value: bigint | number): Result<void> {
    const op = 'partition.setReferenceTime';
    const v = u64Field(op, 'value', value);
    if (!v.ok) return v;
    return this.#unit(op, { type: 'SET_REFERENCE_TIME', value: hex64(v.value) });
  }

  /**
   * Save the guest clock (`referenceTime`: the one the pause saved, which `resume` writes back) and
   * every VP's state; refused while running (rule 11): pause first. A new partition restores it with
   * `createVp(i, { restore: true })`, `setState` in rule 8's order, `vp.ready()`, then `freezeTime()`,
   * `setReferenceTime(snap.referenceTime)`, `thawTime()` and `start()` (rules 3, 8).
   *
   * @example
   * partition.pause(); const snap = partition.snapshot();
   */
  snapshot(): Result<PartitionSnapshot> {
    const r = this.#request('partition.snapshot', { type: 'SNAPSHOT' });
    return r.ok ? success(partitionSnapshotOf(r.value)) : r;
  }

  /**
   * MSHV_IRQFD: the host makes an eventfd (and a resample eventfd when `resample`) and binds it to
   * `gsi`; signalling it injects the interrupt the MSI route of `gsi` describes. Refused EBUSY
   * (`noDeviceIoWhilePaused`) from `pause` until `resume` (rule 11): the kernel injects at once an
   * eventfd already signalled.
   *
   * @example
   * const irq = partition.assignIrqfd({ gsi: 24 });
   */
  assignIrqfd(spec: { readonly gsi: number; readonly resample?: boolean }): Result<Irqfd> {
    const op = 'partition.assignIrqfd';
    const bad = objectArg(op, 'spec', spec, 'an irqfd spec { gsi, resample? }', ['gsi', 'resample']);
    if (bad !== undefined) return bad;
    const gsi = intField(op, 'gsi', spec.gsi, 0, 0xffff_ffff, 'u32');
    if (!gsi.ok) return gsi;
    const resample = boolField(op, 'resample', spec.resample);
    if (!resample.ok) return resample;
    const r = this.#request(op, {
      type: 'IRQFD',
      assign: true,
      detail: { gsi: gsi.value, resample: resample.value },
    });
    if (!r.ok) return r;
    const fds = createdFds(op, r.value);
    const irq: Irqfd = Object.freeze({ fd: fds.fd, gsi: gsi.value, resamplefd: fds.resamplefd ?? null });
    this.#irqfds.set(irq.fd, irq);
    return success(irq);
  }

  /**
   * Raise the irqfd's interrupt the way a device model does: write 1 to its eventfd. The driver's
   * wakeup reads the count away and injects the interrupt the gsi's MSI route describes
   * (ASSERT_VIRTUAL_INTERRUPT, or the register-page fast path under the root scheduler when the
   * hypervisor offers it; inventory §c.11). A run waiting for that interrupt then finishes.
   * From `pause` until `resume` the devices are quiesced (vmm-lifecycle-rules 11): the signal is
   * refused EBUSY (`noDeviceIoWhilePaused`), not held, and nothing is injected.
   *
   * @example
   * const irq = partition.assignIrqfd({ gsi: 24 });
   * if (irq.ok) partition.signalIrqfd(irq.value);
   */
  signalIrqfd(irqfd: Irqfd): Result<void> {
    const op = 'partition.signalIrqfd';
    const session = this.#session;
    // A closed host or a stale handle is refused before anything is looked up or recorded (EBADF).
    const refused = session.handleRefusal(op, this.#ref);
    if (refused !== undefined) return refused;
    const held = this.#heldIrqfd(op, irqfd);
    if (!held.ok) return held;
    const fd = held.value.fd;
    const r = session.request(op, (plane) => plane.writeEventfd(fd), this.#ref);
    return r.ok ? success(undefined) : r;
  }

  /**
   * The irqfd this partition assigned and still holds that `irqfd` names (same eventfd and gsi),
   * checked before anything runs: `fd` an integer eventfd, and held here (ENOENT `irqfdAssigned`
   * otherwise: another partition's irqfd, an ioeventfd's eventfd, or one deassigned already).
   */
  #heldIrqfd(op: string, irqfd: Irqfd): Result<Irqfd> {
    const bad = objectArg(op, 'irqfd', irqfd, 'the Irqfd assignIrqfd returned { fd, gsi, resamplefd }', [
      'fd',
      'gsi',
      'resamplefd',
    ]);
    if (bad !== undefined) return bad;
    const fd = intField(op, 'irqfd.fd', irqfd.fd, 0, 0x7fff_ffff, 'fd');
    if (!fd.ok) return fd;
    const gsi = intField(op, 'irqfd.gsi', irqfd.gsi, 0, 0xffff_ffff, 'u32');
    if (!gsi.ok) return gsi;
    const held = this.#irqfds.get(fd.value);
    if (held?.gsi === gsi.value) return success(held);
    return failure(
      argumentError(
        op,
        held === undefined ? 'irqfd.fd' : 'irqfd.gsi',
        'irqfdAssigned',
        `no irqfd of eventfd ${fd.value} on gsi ${gsi.value} is assigned on this partition ` +
          '(the kernel would match none and release nothing, inventory §c.11)',
        'ENOENT',
      ),
    );
  }

  /**
   * MSHV_IRQFD with DEASSIGN; the host closes the eventfds it made. Only an irqfd this partition
   * assigned and still holds (same eventfd and gsi) is deassigned; any other is ENOENT
   * (`irqfdAssigned`) before anything runs: the kernel would answer 0, match nothing and release
   * nothing, and the host must not close an eventfd that something else still uses.
   *
   * @example
   * partition.deassignIrqfd(irq);
   */
  deassignIrqfd(irqfd: Irqfd): Result<void> {
    const op = 'partition.deassignIrqfd';
    const session = this.#session;
    const refused = session.handleRefusal(op, this.#ref);
    if (refused !== undefined) return refused;
    const found = this.#heldIrqfd(op, irqfd);
    if (!found.ok) return found;
    const held = found.value;
    // What the host made is what it closes: the held handle's eventfds, not the caller's copy.
    const detail = {
      fd: held.fd,
      gsi: held.gsi,
      release: true,
      ...(held.resamplefd === null ? {} : { resamplefd: held.resamplefd }),
    };
    const r = this.#unit(op, { type: 'IRQFD', assign: false, detail });
    if (r.ok) this.#irqfds.delete(held.fd);
    return r;
  }

  /**
   * MSHV_IOEVENTFD: the host makes an eventfd that a guest write to `addr` signals (a doorbell).
   * `len` is 0 (any), 1, 2, 4 or 8; without `datamatch` any value matches. PIO is refused (rule 10).
   *
   * @example
   * const bell = partition.assignIoeventfd({ addr: 0x1_0000_0000n, len: 4, datamatch: 1n });
   */
  assignIoeventfd(spec: {
    readonly addr: bigint | number;
    readonly len: number;
    readonly datamatch?: bigint | number;
    readonly pio?: boolean;
  }): Result<Ioeventfd> {
    const op = 'partition.assignIoeventfd';
    const bad = objectArg(op, 'spec', spec, 'an ioeventfd spec { addr, len, datamatch?, pio? }', [
      'addr',
      'len',
      'datamatch',
      'pio',
    ]);
    if (bad !== undefined) return bad;
    const addr = u64Field(op, 'addr', spec.addr);
    if (!addr.ok) return addr;
    const pio = boolField(op, 'pio', spec.pio);
    if (!pio.ok) return pio;
    if (!IOEVENTFD_LENGTHS.includes(spec.len))
      return failure(
        argumentError(
          op,
          'len',
          'ioeventfdLength',
          `${String(spec.len)} is not 0, 1, 2, 4 or 8 (inventory §c.11)`,
        ),
      );
    // The kernel's u64 sum must not wrap: addr + len = 2^64 wraps to 0 (inventory §c.11).
    if (addr.value + BigInt(spec.len) >= U64_END)
      return failure(argumentError(op, 'len', 'noWrap', 'addr + len passes 2^64 (inventory §c.11)'));
    const datamatch = spec.datamatch === undefined ? null : u64Field(op, 'datamatch', spec.datamatch);
    if (datamatch !== null && !datamatch.ok) return datamatch;
    const detail = {
      addr: hex64(addr.value),
      len: spec.len,
      ...(datamatch === null ? {} : { datamatch: hex64(datamatch.value) }),
    };
    const r = this.#request(op, { type: 'IOEVENTFD', assign: true, pio: pio.value, detail });
    if (!r.ok) return r;
    const bell: Ioeventfd = Object.freeze({
      fd: createdFds(op, r.value).fd,
      addr: addr.value,
      len: spec.len,
      datamatch: datamatch === null ? null : datamatch.value,
    });
    this.#ioeventfds.set(bell.fd, bell);
    return success(bell);
  }

  /**
   * MSHV_IOEVENTFD with DEASSIGN (the exact fd, address, length and datamatch); the host closes the
   * eventfd. One this partition does not hold with those values is ENOENT (`ioeventfdAssigned`), as
   * the kernel answers, and nothing is closed.
   *
   * @example
   * partition.deassignIoeventfd(bell);
   */
  deassignIoeventfd(io: Ioeventfd): Result<void> {
    const op = 'partition.deassignIoeventfd';
    const bad = objectArg(op, 'ioeventfd', io, 'the Ioeventfd assignIoeventfd returned');
    if (bad !== undefined) return bad;
    const held = this.#ioeventfds.get(io.fd);
    const differs =
      held === undefined ? 'fd' : (['addr', 'len', 'datamatch'] as const).find((k) => held[k] !== io[k]);
    if (held === undefined || differs !== undefined)
      return failure(
        argumentError(
          op,
          `ioeventfd.${differs ?? 'fd'}`,
          'ioeventfdAssigned',
          `no ioeventfd of eventfd ${String(io.fd)} with this address, length and datamatch is assigned on ` +
            'this partition (the kernel needs an exact match, inventory §c.11)',
          'ENOENT',
        ),
      );
    const detail = {
      fd: held.fd,
      addr: hex64(held.addr),
      len: held.len,
      release: true,
      ...(held.datamatch === null ? {} : { datamatch: hex64(held.datamatch) }),
    };
    const r = this.#unit(op, { type: 'IOEVENTFD', assign: false, pio: false, detail });
    if (r.ok) this.#ioeventfds.delete(held.fd);
    return r;
  }

  /**
   * MSHV_SET_MSI_ROUTING: replace the whole table (vmm-lifecycle-rules 6). On failure the previous
   * table stays installed and `msiRoutes` still shows it. Taken while paused: a table injects
   * nothing, it only routes the signals after `resume`.
   *
   * @example
   * partition.setMsiRouting([{ gsi: 24, addressLo: 0xfee0_0000, data: 0x30 }]);
   */
  setMsiRouting(entries: readonly MsiRoute[]): Result<void> {
    const op = 'partition.setMsiRouting';
    const table = msiTableOf(op, entries);
    if (!table.ok) return table;
    const r = this.#unit(op, {
      type: 'SET_MSI_ROUTING',
      entries: entries.length,
      detail: { table: table.value },
    });
    // The shadow holds the checked routes, not the caller's objects (nor any extra member of theirs).
    if (r.ok)
      this.#msiRoutes = Object.freeze(
        entries.map((e) => Object.freeze({ gsi: e.gsi, addressLo: e.addressLo, data: e.data })),
      );
    return r;
  }

  /**
   * Start dirty-page tracking (GPA_PAGE_ACCESS_TRACKING = 1, vmm-lifecycle-rules 7).
   *
   * @example
   * partition.enableDirtyTracking();
   */
  enableDirtyTracking(): Result<void> {
    return this.#unit('partition.enableDirtyTracking', { type: 'ENABLE_DIRTY_TRACKING' });
  }

  /**
   * One read-and-clear pass over `pages` pages (1 to 65,536) from GFN `base`: which were written since
   * the last pass (the first pass reports every page, and so does the first pass over a region
   * mapped while tracking is on).
   *
   * @example
   * const pass = partition.readDirty(65_536, 0n);
   */
  readDirty(pages: number, base: bigint | number): Result<DirtyBitmap> {
    const op = 'partition.readDirty';
    const n = intField(op, 'pages', pages, 1, DIRTY_BITMAP_PAGES_MAX, 'dirtyReadWithinBitmapMax');
    if (!n.ok) return n;
    const b = u64Field(op, 'base', base);
    if (!b.ok) return b;
    // The GFN range the hypercall reads must lie in the guest's 52-bit GPA space (GFNs below 2^40),
    // which also keeps base + pages below 2^64: the hypervisor answers INVALID_PARAMETER otherwise.
    if (b.value + BigInt(n.value) > GFN_LIMIT)
      return failure(
        argumentError(
          op,
          'base',
          'gpaWidth',
          `base + pages = 0x${(b.value + BigInt(n.value)).toString(16)} passes the 52-bit guest physical address space (GFNs below 2^40)`,
        ),
      );
    const r = this.#request(op, { type: 'READ_DIRTY', pages: n.value, detail: { base: hex64(b.value) } });
    if (!r.ok) return r;
    const bytes = typeof r.value === 'string' ? hexToBytes(r.value) : null;
    if (bytes === null) throw new Error(`${op}: the control plane answered ${JSON.stringify(r.value)}`);
    return success(new DirtyBitmap(b.value, n.value, bytes.slice()));
  }

  /**
   * Mark every page of every mapped region dirty again (rule 7: required after the last read and the
   * last map, before `disableDirtyTracking`).
   *
   * @example
   * partition.markAllDirty(); partition.disableDirtyTracking();
   */
  markAllDirty(): Result<void> {
    return this.#unit('partition.markAllDirty', { type: 'MARK_ALL_DIRTY' });
  }

  /**
   * Stop dirty-page tracking (GPA_PAGE_ACCESS_TRACKING = 0); refused until `markAllDirty` ran (rule 7).
   *
   * @example
   * partition.disableDirtyTracking();
   */
  disableDirtyTracking(): Result<void> {
    return this.#unit('partition.disableDirtyTracking', { type: 'DISABLE_DIRTY_TRACKING' });
  }

  /**
   * INSTALL_INTERCEPT through the passthrough: `access` is READ 1 | WRITE 2 | EXECUTE 4 (default 3),
   * `parameter` the intercept's parameter (a port, an MSR, a CPUID leaf, an exception vector).
   *
   * @example
   * partition.installIntercept('X64_CPUID', { parameter: 0x4000_0000n });
   */
  installIntercept(
    kind: InterceptKind,
    options: { readonly access?: number; readonly parameter?: bigint | number } = {},
  ): Result<void> {
    const op = 'partition.installIntercept';
    if (typeof kind !== 'string' || !Object.hasOwn(HV_INTERCEPT_TYPE, kind))
      return failure(
        argumentError(
          op,
          'kind',
          'knownInterceptKind',
          `${describeArg(kind)} is not one of ${Object.keys(HV_INTERCEPT_TYPE).join(', ')}`,
        ),
      );
    const bad = objectArg(op, 'options', options, 'options { access?, parameter? }', ['access', 'parameter']);
    if (bad !== undefined) return bad;
    const access = intField(op, 'access', options.access ?? 3, 0, 7, 'accessBits');
    if (!access.ok) return access;
    const parameter = u64Field(op, 'parameter', options.parameter ?? 0n);
    if (!parameter.ok) return parameter;
    return this.#unit(op, {
      type: 'INSTALL_INTERCEPT',
      kind,
      detail: { access: access.value, parameter: hex64(parameter.value) },
    });
  }

  /**
   * Close the partition fd: park running VPs, then the kernel's teardown (inventory §c.12). Every
   * run still asleep in MSHV_RUN_VP ends with EINTR; later calls answer EBADF.
   *
   * @example
   * partition.close();
   */
  close(): Result<void> {
    const r = this.#unit('partition.close', { type: 'CLOSE' });
    // Closed in full, the control plane forgets the partition: the host lets go of this handle too.
    if (this.#session.stale(this.#ref)) this.#gone?.(this);
    return r;
  }

  #request(op: string, request: PartitionRequest): Result<JsonValue> {
    return this.#session.request(op, (plane) => plane.partition(this.name, request), this.#ref);
  }

  #unit(op: string, request: PartitionRequest): Result<void> {
    const r = this.#request(op, request);
    return r.ok ? success(undefined) : r;
  }
}

/** The eventfds the runtime made for an assign (`{ fd, resamplefd? }`). */
function createdFds(op: string, value: JsonValue): { readonly fd: number; readonly resamplefd?: number } {
  if (isJsonObject(value) && typeof value.fd === 'number')
    return {
      fd: value.fd,
      ...(typeof value.resamplefd === 'number' ? { resamplefd: value.resamplefd } : {}),
    };
  throw new Error(
    `${op}: the control plane answered ${JSON.stringify(value)} instead of the eventfds it made`,
  );
}
