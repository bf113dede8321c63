import type { SnapshotFrom } from 'xstate';
import type { Emitted } from '../../machines/MachineEmitted.js';
import type { PartitionEvent, PartitionRequest } from '../../machines/partition/PartitionEvent.js';
import type { PartitionCommand } from '../../machines/partition/PartitionOp.js';
import type { VpEvent, VpRequest } from '../../machines/vp/VpEvent.js';
import { VP_STATE_PARTS } from '../../machines/vp/VpStatePart.js';
import type { VpCommand } from '../../machines/vp/VpOp.js';
import { TransitionMemo } from '../../machines/TransitionMemo.js';
import { devicesPaused } from '../../machines/partition/partitionGuards.js';
import { type ErrnoName, isErrnoName } from '../hv/Errno.js';
import { MSHV_VP_MMAP_OFFSET } from '../hv/uapi/flags.js';
import { MSHV_REQUEST } from '../hv/uapi/MshvIoctl.js';
import type { JsonValue } from '../log/JsonValue.js';
import { toJsonValue } from '../log/toJsonValue.js';
import { resultRecordOf } from '../log/resultRecordOf.js';
import type { IoctlResult, MshvError } from '../pipeline/driver/IoctlResult.js';
import { fail, ok } from '../pipeline/driver/IoctlResult.js';
import type { CreatePartitionArgs, UserMemRegion } from '../ports/DevicePort.js';
import { armMigrationRace } from '../runner/armMigrationRace.js';
import { MM_MIGRATE, type RunWorld } from '../runner/RunWorld.js';
import { MIGRATE_DURING, type MigrateDuring } from '../scenario/MigrateDuring.js';
import type { GuestExit } from '../scenario/Scenario.js';
import { decodeRunExit } from './decodeRunExit.js';
import { driveMachine } from './driveMachine.js';
import { executePartitionOp, type PartitionOpHost } from './executePartitionOp.js';
import { executeVpStateOp } from './executeVpStateOp.js';
import { malformedRequest } from './malformedRequest.js';
import { type Machines, type PartitionMachine, SHIPPED_MACHINES, type VpMachine } from './Machines.js';
import { decodePlaneState, encodePlaneState, PlaneStateError } from './planeState.js';
import { NULL_SINK, type RecordSink } from './RecordSink.js';
import type { RequestOutcome } from './RequestOutcome.js';
import type { PartitionSlot, VpSlot } from './Slots.js';
import { stateName } from './stateName.js';
import { defaultVmmHooks } from './defaultVmmHooks.js';
import { DEFAULT_VMM, type VmmConfig } from './VmmConfig.js';
import type { VmmHooks } from './VmmHooks.js';
import { unknownOption } from '../scenario/unknownOption.js';

/**
 * Times PARK re-signals a VP whose run has not returned (vmm-lifecycle-rules 4: there is no sticky
 * cancel, so a canceller re-signals until the VP acknowledges).
 */
export const KICK_RESIGNALS_MAX = 8;

/** A run that finished after its request returned `pending`. */
export interface SettledRun {
  readonly ticket: number;
  readonly partition: string;
  readonly vp: number;
  readonly outcome: RequestOutcome;
}

export interface ControlPlaneOptions {
  /** Where operation, transition and result records go (hypercalls come through the world's recorder). */
  readonly sink?: RecordSink;
  /** Machine definitions; variants made with `provide` plant broken rules (tests, the model checker). */
  readonly machines?: Machines | undefined;
  /**
   * The table of machine steps already taken (`TransitionMemo`); a plane makes its own by default.
   * Planes that step the same definitions over and over (the model checker's worlds) share one.
   */
  readonly memo?: TransitionMemo | undefined;
  /** How the VMM uses the device beyond its intents (`VmmConfig`); every default when absent. */
  readonly vmm?: VmmConfig | undefined;
  /** The VMM's extension points; a checker's planted VMM replaces one (`VmmHooks`). */
  readonly vmmHooks?: Partial<VmmHooks> | undefined;
}

/** The members `ControlPlaneOptions` has: anything else is refused (a misspelt option would be ignored). */
const CONTROL_PLANE_OPTIONS: readonly string[] = [
  'sink',
  'machines',
  'memo',
  'vmm',
  'vmmHooks',
] satisfies readonly (keyof ControlPlaneOptions)[];

/**
 * What a plane is made of besides its world and sink: machine definitions, the table of steps taken,
 * the VMM's configuration and hooks (replay and recovery pass them through).
 */
export type PlaneParts = Pick<ControlPlaneOptions, 'machines' | 'memo' | 'vmm' | 'vmmHooks'>;

/** What `regions` answers for a partition it does not hold. */
const NO_REGIONS: ReadonlyMap<string, UserMemRegion> = new Map();

const rejected = (errno: ErrnoName, rule: string): RequestOutcome => ({ status: 'rejected', errno, rule });

/**
 * MSHV_CREATE_PARTITION's arguments as JSON (u64 as `0x` strings, v2 fields when present). A value
 * JSON cannot hold (a NaN count) is a TypeError naming it, thrown before anything is recorded.
 *
 * @example
 * createArgsJson({ ptFlags: 0x7n, ptIsolation: 0n }); // { ptFlags: '0x7', ptIsolation: '0x0' }
 */
export function createArgsJson(args: CreatePartitionArgs): JsonValue {
  return toJsonValue(args, 'createPartition.args');
}

/**
 * Guest exits as JSON (u64 as `0x` strings), the form `guest` intents carry; same rule as `createArgsJson`.
 *
 * @example
 * guestExitsJson([{ exit: 'MMIO', gpa: 0xfe000000n, write: true, size: 4, value: 1n }]);
 * // [{ exit: 'MMIO', gpa: '0xfe000000', write: true, size: 4, value: '0x1' }]
 */
export function guestExitsJson(exits: readonly GuestExit[]): JsonValue {
  return toJsonValue(exits, 'guest.exits');
}

/** The event that tells a machine how its operation went. */
function resultEvent<O extends string>(
  op: O,
  r: IoctlResult<JsonValue>,
):
  | { readonly type: 'OP_OK'; readonly op: O }
  | { readonly type: 'OP_FAILED'; readonly op: O; readonly errno: ErrnoName } {
  return r.ok ? { type: 'OP_OK', op } : { type: 'OP_FAILED', op, errno: errnoOf(r.error) };
}

/**
 * Whether a caller's request is an operation's outcome (OP_OK / OP_FAILED). Those are the runtime's
 * to send, for the operation it performed: one from a caller (an intent log, an embedder) would end a
 * run still asleep in MSHV_RUN_VP in the VP machine, and the next RUN would start a second run over
 * the first's ticket. Refused as the machines refuse a result nothing awaits.
 */
function isResultEvent(request: { readonly type: string }): boolean {
  return request.type === 'OP_OK' || request.type === 'OP_FAILED';
}

/** The errno name a machine's OP_FAILED carries; an errno outside the table reads as EIO. */
function errnoOf(e: MshvError): ErrnoName {
  return isErrnoName(e.errnoName) ? e.errnoName : 'EIO';
}

/**
 * The control plane: the one runtime the Host API, replay, recovery and the model checker share.
 * Every partition and VP is a machine definition (machines/) stepped purely with xstate's
 * `transition`, no actor started: a request becomes an event; what the machine emits becomes
 * operations, performed on the world's device (the driver model over the simulated hypervisor, or
 * a recording of it) one at a time per partition; each outcome goes back as OP_OK / OP_FAILED. A
 * refused request is answered with the machine's errno and leaves nothing behind.
 *
 * Everything is synchronous and deterministic. The one thing that waits is a VP thread in
 * MSHV_RUN_VP with nothing to report: when the world says the run would sleep (no exit for the
 * VMM, no signal, no kick), the run is kept `pending` and finishes in `settle()` once the guest has
 * an exit or a signal arrives (PARK sends one). Records go to the sink in the order things happen:
 * transition, operation, the hypercalls the device issued for it, result; each operation is a
 * commit.
 *
 * @example
 * const plane = new ControlPlane(world, { sink });
 * plane.createPartition('vm0', { ptFlags: 0n, ptIsolation: 0n });
 * plane.partition('vm0', { type: 'INITIALIZE' }); // { status: 'done', value: null }
 */
export class ControlPlane {
  readonly #world: RunWorld;
  readonly #sink: RecordSink;
  /** The machine definitions, each stepped purely (pureStart/pureStep: one inert scope per machine). */
  readonly #machines: Machines;
  /** Steps already taken, answered without running xstate again. */
  readonly #memo: TransitionMemo;
  readonly #slots = new Map<string, PartitionSlot>();
  /** Each partition's creation rank: the order `settle` finishes runs in. */
  readonly #rank = new Map<PartitionSlot, number>();
  #nextRank = 0;
  /** VPs whose thread sleeps in MSHV_RUN_VP (`run` set), so settling never walks every VP. */
  readonly #sleeping = new Map<VpSlot, PartitionSlot>();
  readonly #settled: SettledRun[] = [];
  readonly #eventfds: number[] = [];
  readonly #host: PartitionOpHost;
  readonly #vmm: VmmConfig;
  readonly #vmmHooks: VmmHooks;
  #opId = 0;
  #ticket = 0;

  constructor(world: RunWorld, options: ControlPlaneOptions = {}) {
    const unknown = unknownOption('ControlPlane options.', options, CONTROL_PLANE_OPTIONS);
    if (unknown !== undefined) throw new TypeError(unknown);
    this.#world = world;
    this.#sink = options.sink ?? NULL_SINK;
    const machines: Machines = options.machines ?? SHIPPED_MACHINES;
    this.#machines = machines;
    this.#memo = options.memo ?? new TransitionMemo();
    this.#vmm = options.vmm ?? DEFAULT_VMM;
    this.#vmmHooks = { ...defaultVmmHooks, ...options.vmmHooks };
    this.#host = {
      device: world.device,
      addVp: (slot, index, fd) => {
        this.#addVp(slot, index, fd);
      },
      parkVps: (slot, park) => this.#parkVps(slot, park),
      snapshotVps: (slot) => this.#snapshotVps(slot),
      teardownStep: (slot, cmd) => this.#teardownStep(slot, cmd),
    };
  }

  /**
   * A plane over `world` in the state `saveState` wrote (machine snapshots restored on
   * `options.machines`, the shipped ones by default). The world must be in the matching state: replay
   * restores both from one snapshot record. A malformed state is an error value naming its JSON path.
   *
   * @example
   * const r = ControlPlane.restore(world, saved, { sink });
   * if (r.ok) r.value.partition('vm0', { type: 'RESUME' });
   */
  static restore(
    world: RunWorld,
    state: JsonValue,
    options: ControlPlaneOptions = {},
  ): { readonly ok: true; readonly value: ControlPlane } | { readonly ok: false; readonly error: string } {
    const plane = new ControlPlane(world, options);
    try {
      const contents = decodePlaneState(state, plane.#machines);
      plane.#opId = contents.opId;
      plane.#ticket = contents.ticket;
      plane.#eventfds.push(...contents.eventfds);
      plane.#settled.push(...contents.settled);
      for (const slot of contents.slots) {
        plane.#slots.set(slot.key, slot);
        plane.#rank.set(slot, plane.#nextRank++);
        for (const vp of slot.vps.values()) if (vp.run !== null) plane.#sleeping.set(vp, slot);
      }
    } catch (e) {
      if (e instanceof PlaneStateError) return { ok: false, error: e.message };
      throw e;
    }
    return { ok: true, value: plane };
  }

  /**
   * The plane's state between requests as JSON (format `mshv-control-plane`): operation and ticket
   * counters, eventfds, and every partition slot with its machine's and its VPs' persisted snapshots.
   * Settled runs not yet taken are left out (their outcomes are result records already, and taking
   * them is not an intent). `ControlPlane.restore` reads it back.
   *
   * @example
   * const saved = plane.saveState();
   */
  saveState(): JsonValue {
    return encodePlaneState(
      {
        opId: this.#opId,
        ticket: this.#ticket,
        eventfds: this.#eventfds,
        settled: this.#settled,
        slots: [...this.#slots.values()],
      },
      this.#machines,
    );
  }

  /** The world the plane drives (device, guest scripts, signals). */
  get world(): RunWorld {
    return this.#world;
  }

  /** 'root' when the hypervisor reported the root scheduler at module init, else 'hv'. */
  get scheduler(): 'hv' | 'root' {
    return this.#world.device.env.scheduler === 'root' ? 'root' : 'hv';
  }

  /** Eventfds created through `eventfd()`, in creation order. */
  eventfds(): number[] {
    return [...this.#eventfds];
  }

  /**
   * Partition keys, in creation order: the live partitions, and closed ones a reference still holds
   * (a partition closed in full is forgotten, its key free again).
   */
  partitionKeys(): string[] {
    return [...this.#slots.keys()];
  }

  /** The partition machine's snapshot, or undefined for an unknown key. */
  partitionSnapshot(key: string): SnapshotFrom<PartitionMachine> | undefined {
    return this.#slots.get(key)?.snapshot;
  }

  /** The VP machine's snapshot, or undefined. */
  vpSnapshot(key: string, index: number): SnapshotFrom<VpMachine> | undefined {
    return this.#slots.get(key)?.vps.get(index)?.snapshot;
  }

  /** VP indexes of a partition that have a machine, ascending. */
  vpIndexes(key: string): number[] {
    return [...(this.#slots.get(key)?.vps.keys() ?? [])].sort((a, b) => a - b);
  }

  /**
   * Which partition a key names now: a number unique to each partition the plane made (its creation
   * rank), or undefined when the key names none. A key freed by a close and used again names a new
   * partition with a new serial, so a handle that kept the old one can tell it is stale.
   */
  partitionSerial(key: string): number | undefined {
    const slot = this.#slots.get(key);
    return slot === undefined ? undefined : this.#rank.get(slot);
  }

  /** The regions a partition has mapped, by region key (none for an unknown key). */
  regions(key: string): ReadonlyMap<string, UserMemRegion> {
    return this.#slots.get(key)?.regions ?? NO_REGIONS;
  }

  /** The partition fd behind a key (a closed partition a reference still holds keeps its). */
  partitionFd(key: string): number | undefined {
    return this.#slots.get(key)?.fd;
  }

  /** The VP fd behind a partition key and VP index, or undefined. */
  vpFd(key: string, index: number): number | undefined {
    return this.#slots.get(key)?.vps.get(index)?.fd;
  }

  /** Runs whose thread sleeps in MSHV_RUN_VP: partition key, VP index and ticket. */
  pendingRuns(): { readonly partition: string; readonly vp: number; readonly ticket: number }[] {
    return this.#sleepingInOrder().flatMap(([vp, slot]) =>
      vp.run === null ? [] : [{ partition: slot.key, vp: vp.index, ticket: vp.run.ticket }],
    );
  }

  /**
   * Append an intent record. Every request and world-control call of the plane records itself
   * first (`createPartition`, `partition`, `vp`, `guest`, `signal`): the inputs replay re-runs.
   */
  intent(name: string, args: JsonValue): void {
    this.#sink.append({ kind: 'intent', name, args });
  }

  /**
   * MSHV_CREATE_PARTITION, then a partition machine in `created`. A key already in use is refused
   * with EEXIST before anything reaches the device.
   */
  createPartition(key: string, args: CreatePartitionArgs): RequestOutcome {
    const argsJson = createArgsJson(args);
    this.intent('createPartition', { key, args: argsJson });
    if (this.#slots.has(key)) return rejected('EEXIST', 'partitionKeyFree');
    let fd = -1;
    const r = this.#runOp(key, null, 'MSHV_CREATE_PARTITION', null, argsJson, () => {
      const created = this.#world.device.createPartition(args);
      if (!created.ok) return created;
      fd = created.value;
      return ok(fd);
    });
    if (!r.ok) return { status: 'failed', error: r.error };
    const { snapshot } = this.#memo.start(this.#machines.partition, { scheduler: this.scheduler });
    this.#transition(key, 'none', 'xstate.init', stateName(snapshot.value));
    const slot: PartitionSlot = {
      key,
      fd,
      snapshot,
      vps: new Map(),
      regions: new Map(),
      savedClock: null,
      teardown: null,
      released: false,
      eventfds: new Set(),
    };
    this.#slots.set(key, slot);
    this.#rank.set(slot, this.#nextRank++);
    return { status: 'done', value: fd };
  }

  /**
   * eventfd(2) in the VMM process: an fd to pass as `detail.fd` of IOEVENTFD and IRQFD requests. An
   * operation of its own (`eventfd`, on no fd) so that the log numbers fds as the run did.
   *
   * @example
   * const efd = plane.eventfd(); // { status: 'done', value: 4 }
   * plane.partition('vm0', { type: 'IRQFD', assign: true, detail: { fd: 4, gsi: 5 } });
   */
  eventfd(): RequestOutcome {
    this.intent('eventfd', {});
    const r = this.#runOp(null, null, 'eventfd', null, {}, () => {
      const fd = this.#world.device.createEventfd();
      this.#eventfds.push(fd);
      return ok(fd);
    });
    return r.ok ? { status: 'done', value: r.value } : { status: 'failed', error: r.error };
  }

  /**
   * close(2) of an eventfd `eventfd()` made, once the VMM is done with it. An operation of its own
   * (`close`, on that fd). An irqfd still bound to it is deactivated by the driver (POLLHUP, as when
   * the last reference to an eventfd file goes): deassign first. An fd `eventfd()` did not make, or
   * one already closed, is refused EBADF (`eventfdExists`) before anything reaches the device.
   *
   * @example
   * plane.closeEventfd(4); // { status: 'done', value: null }
   */
  closeEventfd(fd: number): RequestOutcome {
    this.intent('closeEventfd', { fd });
    const at = this.#eventfds.indexOf(fd);
    if (at < 0) return rejected('EBADF', 'eventfdExists');
    const r = this.#runOp(null, null, 'close', fd, {}, () => {
      const closed = this.#world.device.close(fd);
      if (!closed.ok) return closed;
      this.#eventfds.splice(at, 1);
      return ok(null);
    });
    return r.ok ? { status: 'done', value: null } : { status: 'failed', error: r.error };
  }

  /**
   * write(2) of `value` on an eventfd in the VMM process: how a device model raises an interrupt
   * through an irqfd (the driver's wakeup reads the count away and injects, §c.11) or counts for
   * itself. An operation of its own (`eventfd-write`, on that fd), so the injections it causes are
   * logged under it and replay re-runs it; then runs that would no longer sleep finish.
   *
   * The eventfd of an irqfd whose partition a pause holds quiesced (from PAUSE until RESUME) is
   * refused EBUSY (`noDeviceIoWhilePaused`, vmm-lifecycle-rules 11): the device model's I/O stops
   * with the partition's, and nothing is injected into a paused, maybe snapshotted, guest. The
   * intent is logged first, so a replay refuses it the same way.
   *
   * @example
   * plane.writeEventfd(4); // { status: 'done', value: null }: gsi 5's interrupt injected
   */
  writeEventfd(fd: number, value = 1n): RequestOutcome {
    if (!isU64(value)) return rejected('EINVAL', 'u64');
    const hex = `0x${value.toString(16)}`;
    this.intent('writeEventfd', { fd, value: hex });
    if (this.#irqfdOfPausedPartition(fd)) return rejected('EBUSY', 'noDeviceIoWhilePaused');
    const r = this.#runOp(null, null, 'eventfd-write', fd, { value: hex }, () => {
      const w = this.#world.device.writeEventfd(fd, value);
      return w.ok ? ok(null) : w;
    });
    this.settle();
    return r.ok ? { status: 'done', value: null } : { status: 'failed', error: r.error };
  }

  /**
   * Whether `fd` is the eventfd of an irqfd (the driver's irqfd list of a partition fd not yet
   * released) of a partition whose devices a pause holds quiesced.
   */
  #irqfdOfPausedPartition(fd: number): boolean {
    const dev = this.#world.device;
    for (const slot of this.#slots.values()) {
      if (slot.released || !devicesPaused(slot.snapshot.context.phase)) continue;
      const id = dev.partitionIdOf(slot.fd);
      if (dev.partitions().some((pt) => pt.id === id && pt.irqfds.some((f) => f.eventfd === fd))) return true;
    }
    return false;
  }

  /** A request to a partition machine, driven until no operation is in flight. */
  partition(key: string, request: PartitionRequest): RequestOutcome {
    // A request that is not an object with a type (a caller past the types) is refused before it is
    // recorded: replay could not re-run it.
    if (!isRequestShape(request)) return rejected('EINVAL', 'knownRequest');
    this.intent('partition', { key, request: request as unknown as JsonValue });
    const slot = this.#slots.get(key);
    if (slot === undefined) return rejected('EBADF', 'partitionExists');
    if (isResultEvent(request)) return rejected('EINVAL', 'resultMatchesInflight');
    if (malformedRequest(request)) return rejected('EINVAL', 'knownRequest');
    const outcome = this.#drivePartition(slot, this.#stepPartition(slot, request));
    this.settle();
    this.#forgetIfGone(slot);
    return outcome;
  }

  /**
   * A partition closed with every reference dropped (the kernel destroyed it) is forgotten: its key
   * is free for a new partition, and requests naming it are refused as for a key never used (EBADF,
   * `partitionExists`). The plane then holds, and its snapshots save, the partitions still live
   * (or held by a reference the VMM kept, `outlived`), not every partition a long run made.
   */
  #forgetIfGone(slot: PartitionSlot): void {
    if (!slot.released || slot.outlived === true || slot.snapshot.context.phase !== 'closed') return;
    if (this.#slots.get(slot.key) !== slot) return;
    this.#slots.delete(slot.key);
    this.#rank.delete(slot);
    for (const vp of slot.vps.values()) this.#sleeping.delete(vp);
  }

  /**
   * A request to a VP machine. RUN takes the partition's phase from its snapshot (the machines never
   * message each other). A run that would sleep comes back `pending`; `takeSettled` reports it.
   *
   * DELETE is the teardown's (§c.12 step 2): the kernel has no DELETE_VP and a VP lives until its
   * partition is destroyed, so a caller's DELETE while the partition is open is refused EPERM
   * (`vpReleasedWithPartition`: close the partition), the plane's check as for `writeEventfd`.
   * Taken, it left the VP alive in the driver behind a machine that refuses everything: its index
   * could not be created again and every SNAPSHOT failed reading it.
   */
  vp(key: string, index: number, request: VpRequest | { readonly type: 'RUN' }): RequestOutcome {
    if (!isRequestShape(request)) return rejected('EINVAL', 'knownRequest');
    this.intent('vp', { key, vp: index, request: request as unknown as JsonValue });
    const slot = this.#slots.get(key);
    if (slot === undefined) return rejected('EBADF', 'partitionExists');
    const vp = slot.vps.get(index);
    if (vp === undefined) return rejected('EBADF', 'vpExists');
    // A sleeping run's machine takes any MSHV_RUN_VP result: only the run's own may reach it.
    if (isResultEvent(request)) return rejected('EINVAL', 'resultMatchesInflight');
    const phase = slot.snapshot.context.phase;
    if (request.type === 'DELETE' && phase !== 'closing' && phase !== 'closed')
      return rejected('EPERM', 'vpReleasedWithPartition');
    const event: VpRequest = request.type === 'RUN' ? { ...request, partition: phase } : request;
    const outcome = this.#driveVp(slot, vp, this.#stepVp(vp, event));
    this.settle();
    return outcome;
  }

  /**
   * World control: the host's mm moves `[userAddr, userAddr + size)` of the VMM process (page
   * migration, compaction, swap: `RunWorld.migrateUserPages`). An operation of its own
   * (`mm-migrate`, on no fd): the MMU notifiers of the movable regions over the range run (their
   * no-access remaps are its hypercalls), then every unpinned resident page of the range moves. A
   * range that is not page aligned, empty or past the 64-bit address space is refused EINVAL
   * naming the field, before anything moves; an argument that is not a u64 bigint is refused EINVAL
   * (`u64`) before anything is recorded. The value says what happened (`HostMigration`).
   *
   * With `during: 'nextFaultIn'` nothing moves now: the migration is armed to start while the next
   * movable-region fault-in over a page of the range runs, after hmm_range_fault resolved its pages
   * and before the driver takes the region's lock (`RunWorld.armMigrationRace`); the value is
   * NOTHING_MIGRATED. One is armed at a time: a second is EBUSY. A `during` that is not one of
   * MIGRATE_DURING is refused EINVAL (`during`) before anything is recorded.
   *
   * @example
   * plane.migrateUserPages(0x7f0000000000n, 0x200000n); // { status: 'done', value: { regions: 1, failed: 0, moved: 512, … } }
   * plane.migrateUserPages(0x7f0000000000n, 0x200000n, 'nextFaultIn'); // armed: the next fault-in races it
   */
  migrateUserPages(userAddr: bigint, size: bigint, during?: MigrateDuring): RequestOutcome {
    // A value no u64 holds (a caller past the types) could not be written as the intent replay reads.
    if (!isU64(userAddr) || !isU64(size)) return rejected('EINVAL', 'u64');
    if (during !== undefined && !(MIGRATE_DURING as readonly unknown[]).includes(during))
      return rejected('EINVAL', 'during');
    const args = {
      userAddr: `0x${userAddr.toString(16)}`,
      size: `0x${size.toString(16)}`,
      ...(during === undefined ? {} : { during }),
    };
    this.intent('migrateUserPages', args);
    const r = this.#runOp(null, null, MM_MIGRATE, null, args, () => {
      const bad = migrateRangeError(userAddr, size);
      if (bad !== null) return fail(MM_MIGRATE, 'EINVAL', bad);
      if (during === 'nextFaultIn') {
        const armed = armMigrationRace(this.#world, userAddr, Number(size / 4096n));
        return armed.ok ? ok({ ...armed.value }) : armed;
      }
      const m = this.#world.migrateUserPages(userAddr, Number(size / 4096n));
      return ok({ ...m });
    });
    this.settle();
    return r.ok ? { status: 'done', value: r.value } : { status: 'failed', error: r.error };
  }

  /** World control: the guest of VP `index` takes these exits next (its script grows); then settle. */
  guest(key: string, index: number, exits: readonly GuestExit[]): void {
    this.intent('guest', { key, vp: index, exits: guestExitsJson(exits) });
    const slot = this.#slots.get(key);
    if (slot === undefined || slot.released) return;
    this.#world.setGuestScript(slot.fd, index, exits);
    this.settle();
  }

  /** World control: a signal arrives for the thread of VP `index`; then settle. */
  signal(key: string, index: number): void {
    this.intent('signal', { key, vp: index });
    const slot = this.#slots.get(key);
    if (slot === undefined || slot.released) return;
    this.#world.raiseSignal(slot.fd, index);
    this.settle();
  }

  /** Finish every pending run that would no longer sleep, in partition then VP order. */
  settle(): void {
    for (let progress = true; progress;) {
      progress = false;
      for (const [vp, slot] of this.#sleepingInOrder()) {
        if (vp.run === null || slot.released || this.#world.runWouldBlock(vp.fd)) continue;
        this.#finishRun(slot, vp);
        progress = true;
      }
    }
  }

  /** The sleeping runs in partition creation order, then VP order. */
  #sleepingInOrder(): [VpSlot, PartitionSlot][] {
    const rank = (slot: PartitionSlot): number => this.#rank.get(slot) ?? 0;
    return [...this.#sleeping].sort(([va, a], [vb, b]) => rank(a) - rank(b) || va.index - vb.index);
  }

  /** Runs that finished since the last call, in the order they finished. */
  takeSettled(): SettledRun[] {
    return this.#settled.splice(0);
  }

  // ---- machines ------------------------------------------------------------------------------

  #stepPartition(slot: PartitionSlot, event: PartitionEvent): readonly Emitted<PartitionCommand['op']>[] {
    const from = stateName(slot.snapshot.value);
    const { snapshot, emitted } = this.#memo.step<PartitionMachine, Emitted<PartitionCommand['op']>>(
      this.#machines.partition,
      slot.snapshot,
      event,
    );
    const to = stateName(snapshot.value);
    if (from !== to) this.#transition(slot.key, from, event.type, to);
    slot.snapshot = snapshot;
    return emitted;
  }

  #stepVp(vp: VpSlot, event: VpEvent): readonly Emitted<VpCommand['op']>[] {
    const from = stateName(vp.snapshot.value);
    const { snapshot, emitted } = this.#memo.step<VpMachine, Emitted<VpCommand['op']>>(
      this.#machines.vp,
      vp.snapshot,
      event,
    );
    const to = stateName(snapshot.value);
    if (from !== to) this.#transition(vp.name, from, event.type, to);
    vp.snapshot = snapshot;
    return emitted;
  }

  #transition(machine: string, from: string, event: string, to: string): void {
    this.#sink.append({ kind: 'transition', machine, from, event, to });
  }

  #drivePartition(slot: PartitionSlot, first: readonly Emitted<PartitionCommand['op']>[]): RequestOutcome {
    return driveMachine(slot.key, first, (cmd) => {
      // §c.11: a deassign succeeds whether or not an irqfd was bound; the machine counts what went.
      const deassign = cmd.op === 'MSHV_IRQFD' && cmd.args.assign !== true;
      const before = deassign ? this.#irqfdCount(slot) : 0;
      const result = this.#runOp(slot.key, null, cmd.op, slot.fd, cmd.args, () =>
        executePartitionOp(this.#host, slot, cmd),
      );
      const event = resultEvent(cmd.op, result);
      const reported =
        deassign && event.type === 'OP_OK' ? { ...event, released: before - this.#irqfdCount(slot) } : event;
      return { result, next: this.#stepPartition(slot, reported) };
    });
  }

  /** The irqfds the driver holds for a partition's fd (none once the fd is released). */
  #irqfdCount(slot: PartitionSlot): number {
    const dev = this.#world.device;
    const id = dev.partitionIdOf(slot.fd);
    return id === undefined ? 0 : (dev.partitions().find((pt) => pt.id === id)?.irqfds.length ?? 0);
  }

  #driveVp(slot: PartitionSlot, vp: VpSlot, first: readonly Emitted<VpCommand['op']>[]): RequestOutcome {
    return driveMachine(vp.name, first, (cmd) => {
      if (cmd.op === 'VP_KICK') {
        this.#kick(slot, vp);
        return { outcome: { status: 'done', value: null } };
      }
      if (cmd.op === 'MSHV_RUN_VP') {
        if (this.#world.runWouldBlock(vp.fd)) {
          const ticket = ++this.#ticket;
          const opId = this.#operationRecord(slot.key, vp.index, cmd.op, vp.fd, cmd.args);
          vp.run = { ticket, cmd, opId };
          this.#sleeping.set(vp, slot);
          return { outcome: { status: 'pending', ticket } };
        }
        const opId = this.#operationRecord(slot.key, vp.index, cmd.op, vp.fd, cmd.args);
        const result = this.#run(slot, vp, opId);
        return { result, next: this.#stepVp(vp, this.#runEvent(vp, result)) };
      }
      const result = this.#runOp(slot.key, vp.index, cmd.op, vp.fd, cmd.args, () =>
        executeVpStateOp(this.#world.device, vp, cmd),
      );
      return { result, next: this.#stepVp(vp, resultEvent(cmd.op, result)) };
    });
  }

  // ---- runs and kicks ------------------------------------------------------------------------

  /** MSHV_RUN_VP on the device; the thread's pending signal is handled on the way back to user space. */
  #run(slot: PartitionSlot, vp: VpSlot, opId: number): IoctlResult<JsonValue> {
    const r = this.#world.device.runVp(vp.fd);
    this.#world.dropSignal(slot.fd, vp.index);
    let out: IoctlResult<JsonValue>;
    if (!r.ok) out = r;
    else {
      const exit = decodeRunExit(r.value);
      out =
        exit === undefined
          ? fail('MSHV_RUN_VP', 'EIO', `VP ${vp.index}: the exit message type is not one the VMM handles`)
          : ok(exit);
    }
    this.#sink.append(resultRecordOf(opId, 'MSHV_RUN_VP', out));
    this.#sink.commit();
    return out;
  }

  #runEvent(vp: VpSlot, r: IoctlResult<JsonValue>): VpEvent {
    if (r.ok) {
      const exit = (r.value as { readonly kind: string }).kind;
      return { type: 'OP_OK', op: 'MSHV_RUN_VP', exit: exit as never };
    }
    const errno = errnoOf(r.error);
    // The VP flags as the failed run left them (§c.6): the machine mirrors the kernel's word.
    const kernelVp = this.#world.device.vpOf(vp.fd)?.vp;
    if (kernelVp === undefined) return { type: 'OP_FAILED', op: 'MSHV_RUN_VP', errno };
    return {
      type: 'OP_FAILED',
      op: 'MSHV_RUN_VP',
      errno,
      blocked: kernelVp.rootSchedBlocked,
      interceptSuspend: kernelVp.interceptSuspend,
    };
  }

  #finishRun(slot: PartitionSlot, vp: VpSlot): void {
    const pending = vp.run;
    if (pending === null) return;
    vp.run = null;
    this.#sleeping.delete(vp);
    const r = this.#run(slot, vp, pending.opId);
    const rest = this.#driveVp(slot, vp, this.#stepVp(vp, this.#runEvent(vp, r)));
    const outcome: RequestOutcome = !r.ok
      ? { status: 'failed', error: r.error }
      : rest.status === 'done'
        ? { status: 'done', value: r.value }
        : rest;
    this.#settled.push({ ticket: pending.ticket, partition: slot.key, vp: vp.index, outcome });
  }

  /** VP_KICK: signal the VP's thread; a run sleeping in the kernel wakes with EINTR. */
  #kick(slot: PartitionSlot, vp: VpSlot): void {
    this.#world.raiseSignal(slot.fd, vp.index);
    if (vp.run !== null && !this.#world.runWouldBlock(vp.fd)) this.#finishRun(slot, vp);
  }

  // ---- operation hosts -----------------------------------------------------------------------

  #addVp(slot: PartitionSlot, index: number, fd: number): void {
    const name = `${slot.key}/vp${index}`;
    const { snapshot } = this.#memo.start(this.#machines.vp, { index, scheduler: this.scheduler });
    this.#transition(name, 'none', 'xstate.init', stateName(snapshot.value));
    // A VP without a register page (an isolated partition's) answers ENODEV: the VMM goes on without.
    const mapped = this.#vmm.mapVpRegisterPages
      ? this.#world.device.mmapVp(fd, MSHV_VP_MMAP_OFFSET.REGISTERS)
      : undefined;
    const registerPage = mapped?.ok === true ? mapped.value : null;
    slot.vps.set(index, { index, fd, name, snapshot, run: null, registerPage });
  }

  /**
   * Every VP page the VMM mapped that is still mapped (what its death unmaps first), ascending:
   * a closed partition's too, when the VMM let go of its VPs without unmapping them.
   */
  vpMappings(): bigint[] {
    const dev = this.#world.device;
    const out: bigint[] = [];
    for (const slot of this.#slots.values())
      for (const vp of slot.vps.values())
        if (vp.registerPage !== null && dev.readMapped(vp.registerPage).ok) out.push(vp.registerPage);
    return out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }

  /** PARK_VPS / UNPARK_VPS: every VP machine, ascending; a park re-signals until each run returned. */
  #parkVps(slot: PartitionSlot, park: boolean): IoctlResult<JsonValue> {
    const op = park ? 'PARK_VPS' : 'UNPARK_VPS';
    for (const vp of [...slot.vps.values()].sort((a, b) => a.index - b.index)) {
      if (stateName(vp.snapshot.value) === 'deleted') continue;
      for (let attempt = 0; ; attempt++) {
        const event: VpRequest = { type: park ? 'PARK' : 'UNPARK' };
        this.#driveVp(slot, vp, this.#stepVp(vp, event));
        if (!park || vp.run === null) break;
        if (attempt === KICK_RESIGNALS_MAX)
          return fail(
            op,
            'EBUSY',
            `VP ${vp.index} did not return from MSHV_RUN_VP after ${attempt + 1} signals`,
          );
      }
    }
    return ok(null);
  }

  /** SNAPSHOT: every VP's state parts, read through the VP machines (rule 11: only while quiesced). */
  #snapshotVps(slot: PartitionSlot): IoctlResult<JsonValue> {
    const out: Record<string, Record<string, JsonValue>> = {};
    for (const vp of [...slot.vps.values()].sort((a, b) => a.index - b.index)) {
      const parts: Record<string, JsonValue> = {};
      for (const part of VP_STATE_PARTS) {
        // Misc registers are the partition's: saved (and restored, rule 8) on VP 0 only.
        if (part === 'MISC_REGISTERS' && vp.index !== 0) continue;
        const o = this.#driveVp(slot, vp, this.#stepVp(vp, { type: 'GET_STATE', part }));
        if (o.status === 'failed') return { ok: false, error: o.error };
        if (o.status !== 'done') return fail('SNAPSHOT', 'EBUSY', `VP ${vp.index}: ${part} read ${o.status}`);
        parts[part] = o.value;
      }
      out[String(vp.index)] = parts;
    }
    return ok(out);
  }

  /**
   * One §c.12 step. The first one closes the partition fd (releasing its eventfds) and every VP fd;
   * the last reference destroys the partition in the driver, in the kernel's order. Each step the
   * machine emits must then be the driver's next one: a mismatch means machine and driver disagree
   * on the teardown order, a broken invariant.
   */
  #teardownStep(slot: PartitionSlot, cmd: PartitionCommand): IoctlResult<JsonValue> {
    slot.teardown ??= this.#closeFds(slot);
    const next = slot.teardown.shift();
    const vp = cmd.args.vp;
    const region = typeof cmd.args.region === 'string' ? slot.regions.get(cmd.args.region) : undefined;
    // A partition the kernel still holds has no driver steps: the VMM believes it gone (a leak).
    const matches =
      slot.outlived === true ||
      (next?.op === cmd.op &&
        (!('vp' in next) || next.vp === vp) &&
        (!('guestPfn' in next) || BigInt(next.guestPfn) === region?.guestPfn));
    if (!matches)
      throw new Error(
        `${slot.key}: teardown order (inventory §c.12): the machine stepped ${cmd.op} ${JSON.stringify(cmd.args)}, ` +
          `the driver did ${next === undefined ? 'nothing more' : JSON.stringify(next)}`,
      );
    if (cmd.op === 'RELEASE_VP' && typeof vp === 'number') {
      const vs = slot.vps.get(vp);
      if (vs !== undefined) this.#driveVp(slot, vs, this.#stepVp(vs, { type: 'DELETE' }));
    }
    if (cmd.op === 'RELEASE_REGION' && typeof cmd.args.region === 'string')
      slot.regions.delete(cmd.args.region);
    if (cmd.op === 'DELETE_PARTITION' && slot.outlived !== true && slot.teardown.length > 0)
      throw new Error(
        `${slot.key}: the driver did more than the machine's teardown: ${JSON.stringify(slot.teardown)}`,
      );
    return ok(null);
  }

  #closeFds(slot: PartitionSlot): NonNullable<PartitionSlot['teardown']> {
    const dev = this.#world.device;
    const ctx = slot.snapshot.context;
    const before = dev.teardownCount;
    const steps: NonNullable<PartitionSlot['teardown']> = [];
    if (ctx.ioeventfds + ctx.irqfds > 0) steps.push({ op: 'RELEASE_EVENTFDS' });
    dev.close(slot.fd);
    for (const vp of [...slot.vps.values()].sort((a, b) => a.index - b.index))
      this.#vmmHooks.releaseVp(dev, vp);
    // The partition fd released its irqfds and ioeventfds; the eventfds the runtime made go with it.
    for (const fd of [...slot.eventfds].sort((a, b) => a - b)) dev.close(fd);
    slot.eventfds.clear();
    slot.released = true;
    const destroyed = dev.teardownCount - before;
    if (destroyed > 1)
      throw new Error(`${slot.key}: closing one partition's fds destroyed ${destroyed} partitions`);
    const report = destroyed === 1 ? dev.lastTeardown : null;
    if (report === null) {
      // Every fd is closed, yet a reference the VMM kept (a mapping) holds the partition.
      slot.outlived = true;
      return steps;
    }
    return [...steps, ...report.ops];
  }

  // ---- records -------------------------------------------------------------------------------

  #operationRecord(
    partition: string | null,
    vp: number | null,
    name: string,
    fd: number | null,
    args: JsonValue,
  ): number {
    const id = ++this.#opId;
    const request = Object.hasOwn(MSHV_REQUEST, name) ? MSHV_REQUEST[name as keyof typeof MSHV_REQUEST] : 0;
    this.#sink.append({ kind: 'operation', id, name, fd, partition, vp, request, args });
    return id;
  }

  /** One operation: its record, what it does (the device's hypercalls land in between), its result, a commit. */
  #runOp(
    partition: string | null,
    vp: number | null,
    name: string,
    fd: number | null,
    args: JsonValue,
    exec: () => IoctlResult<JsonValue>,
  ): IoctlResult<JsonValue> {
    const id = this.#operationRecord(partition, vp, name, fd, args);
    const r = exec();
    this.#sink.append(resultRecordOf(id, name, r));
    this.#sink.commit();
    return r;
  }
}

/** The highest user address plus one a migration may reach (the 64-bit address space). */
const USER_SPACE_END = 1n << 64n;

/**
 * A plain JSON object with a string `type`: what a machine event is and what the intent records.
 * Anything else (no type, a bigint, a function, NaN inside) is refused unrecorded: the log could not
 * hold it, and a handler reading it could throw in the middle of its operation.
 */
function isRequestShape(v: unknown): boolean {
  return (
    v !== null &&
    typeof v === 'object' &&
    !Array.isArray(v) &&
    typeof (v as { readonly type?: unknown }).type === 'string' &&
    isJson(v, 0)
  );
}

/** A JSON value (finite numbers, plain objects and arrays), at most 32 levels deep. */
function isJson(v: unknown, depth: number): boolean {
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(v);
    case 'object': {
      if (v === null) return true;
      if (depth > 32) return false;
      if (Array.isArray(v)) return v.every((x) => isJson(x, depth + 1));
      const proto: unknown = Object.getPrototypeOf(v);
      if (proto !== Object.prototype && proto !== null) return false;
      for (const x of Object.values(v)) if (x !== undefined && !isJson(x, depth + 1)) return false;
      return true;
    }
    default:
      return false;
  }
}

function isU64(v: unknown): v is bigint {
  return typeof v === 'bigint' && v >= 0n && v < USER_SPACE_END;
}

/**
 * Why `[userAddr, userAddr + size)` is not a range the mm can move, or null when it is: both page
 * aligned, size non-zero, the end within the 64-bit address space.
 */
function migrateRangeError(userAddr: bigint, size: bigint): string | null {
  if (userAddr % 4096n !== 0n) return `userAddr 0x${userAddr.toString(16)}: not page aligned`;
  if (size <= 0n || size % 4096n !== 0n)
    return `size 0x${size.toString(16)}: not a non-zero multiple of 4 KiB`;
  if (userAddr + size > USER_SPACE_END)
    return `userAddr + size: 0x${(userAddr + size).toString(16)} is past the 64-bit address space`;
  return null;
}
