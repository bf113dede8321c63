import { HostCrash } from '../../adapters/simulated/host/HostCrash.js';
import type { FaultedIn } from '../../adapters/simulated/model/Guest.js';
import { SimulatedMachine } from '../../adapters/simulated/SimulatedMachine.js';
import { HvStatus } from '../hv/HvStatus.js';
import { partitionId } from '../hv/ids.js';
import type { JsonValue } from '../log/JsonValue.js';
import { type ExecutorStages, createDriverEnv } from '../pipeline/driver/createDriverEnv.js';
import type { DriverHooks } from '../pipeline/driver/DriverHooks.js';
import type { KernelPartition } from '../pipeline/driver/KernelPartition.js';
import { MshvDevice } from '../pipeline/driver/MshvDevice.js';
import { installPortIds, PortIdAllocator } from '../pipeline/driver/portIdAllocator.js';
import { type SavedDriver, saveDriver } from '../pipeline/driver/snapshot/driverJson.js';
import type { Executor } from '../pipeline/Executor.js';
import type { InputFiller } from '../pipeline/fillInputPage.js';
import type { HypercallRecorder } from '../pipeline/HypercallRecorder.js';
import { WindowTracker } from '../pipeline/WindowTracker.js';
import type { Depositor } from '../pipeline/withDepositRetry.js';
import type { HypervisorPort } from '../ports/HypervisorPort.js';
import type { GuestExit, Scenario } from '../scenario/Scenario.js';
import { canonicalDigest, streamDigest } from '../snapshot/jsonDigest.js';
import { SnapshotError, type SnapshotResult } from '../snapshot/SnapshotError.js';
import { plannedFaultAbort } from './plannedFaultAbort.js';
import type { HostMigration, RunWorld } from './RunWorld.js';
import { type PendingSignal, SimHvShared } from './SimHvShared.js';
import { checkWorldReferences, readWorld, writeWorld } from './worldJson.js';
import { unknownOption } from '../scenario/unknownOption.js';

/** The CPU the driver's thread runs on (its per-CPU hypercall pages). */
export const DRIVER_CPU = 0;

/** Extension points for checkers and tests: a broken driver is one replaced stage. */
export interface SimWorldOptions {
  readonly hooks?: Partial<DriverHooks>;
  readonly fill?: InputFiller;
  readonly wrapExecutor?: (routed: Executor, deposit: Depositor, stages: ExecutorStages) => Executor;
  readonly wrapListExecutor?: (routed: Executor, stages: ExecutorStages) => Executor;
  readonly randomFaults?: ConstructorParameters<typeof SimulatedMachine>[0]['randomFaults'];
  /** Restore only: skip the machine's audit after rebuilding it (see RestoreOptions.verify). */
  readonly verify?: boolean;
  /** Host RAM in bytes (default: the RAM VMAs plus 1 GiB): room for the pools of many partitions. */
  readonly hostRamBytes?: bigint;
  /**
   * Put something between the driver and the simulated hypervisor (the hypervisor itself is
   * unchanged): replay answers every hypercall from the log and keeps the simulated one running in
   * lock step as its oracle (src/replay); the model checker observes every hypercall with its pages
   * before and after the call.
   */
  readonly wrapHypervisor?: (simulated: HypervisorPort) => HypervisorPort;
}

/** The members `SimWorldOptions` has: anything else is refused (a misspelt hook would be ignored). */
const SIM_WORLD_OPTIONS: readonly string[] = [
  'hooks',
  'fill',
  'wrapExecutor',
  'wrapListExecutor',
  'randomFaults',
  'verify',
  'hostRamBytes',
  'wrapHypervisor',
] satisfies readonly (keyof SimWorldOptions)[];

/** What a world adds to its machine, as `fromSnapshot` decoded it. */
export interface SavedWorldParts {
  readonly driver: SavedDriver;
  readonly signals: readonly PendingSignal[];
}

/**
 * A scenario's world on the simulated machine: the machine built from the scenario's seed, hypervisor
 * config and host memory; the driver model composed over it; the device. The only object a run
 * constructs directly.
 *
 * @example
 * const world = new SimWorld(scenario, new CountingRecorder());
 * world.device.createPartition({ ptFlags: 0n, ptIsolation: 0n });
 */
export class SimWorld implements RunWorld {
  readonly machine: SimulatedMachine;
  readonly device: MshvDevice;
  readonly shared: SimHvShared;

  /**
   * @param source the scenario to build the machine from, or a machine to compose the driver over.
   * @param restored the driver state to continue from (what `fromSnapshot` decoded); the machine
   * is then the restored one.
   */
  constructor(
    source: Scenario | SimulatedMachine,
    recorder: HypercallRecorder,
    options: SimWorldOptions = {},
    restored?: SavedWorldParts,
  ) {
    const unknown = unknownOption('SimWorld options.', options, SIM_WORLD_OPTIONS);
    if (unknown !== undefined) throw new TypeError(unknown);
    this.machine =
      source instanceof SimulatedMachine
        ? source
        : new SimulatedMachine({
            seed: source.seed,
            scheduler: source.hypervisor.scheduler,
            faults: source.hypervisor.faults,
            hostMemory: source.hostMemory,
            ...(source.hypervisor.repTimeSlice === undefined
              ? {}
              : { repTimeSlice: source.hypervisor.repTimeSlice }),
            ...(source.hypervisor.dispatchInterruptInjection === undefined
              ? {}
              : { dispatchInterruptInjection: source.hypervisor.dispatchInterruptInjection }),
            ...(source.kernel === undefined ? {} : { ramRegions: source.kernel.ramRegions }),
            ...(options.randomFaults === undefined ? {} : { randomFaults: options.randomFaults }),
            ...(options.hostRamBytes === undefined ? {} : { hostRamBytes: options.hostRamBytes }),
          });
    if (restored === undefined) this.machine.runOn(DRIVER_CPU);
    this.shared = new SimHvShared(this.machine, DRIVER_CPU, restored?.signals);
    const env = createDriverEnv({
      hypervisor:
        options.wrapHypervisor === undefined
          ? this.machine.hypervisor
          : options.wrapHypervisor(this.machine.hypervisor),
      pages: this.machine.cpuPages(DRIVER_CPU),
      kernel: this.machine.host,
      host: this.machine.host,
      rootPartition: partitionId(this.machine.knobs.rootPartitionId),
      scheduler: this.machine.knobs.scheduler,
      dispatchInterruptInjection: this.machine.knobs.dispatchInterruptInjection,
      ramRegions: this.machine.knobs.ramRegions,
      recorder,
      shared: this.shared,
      ...(options.hooks === undefined ? {} : { hooks: options.hooks }),
      ...(options.fill === undefined ? {} : { fill: options.fill }),
      ...(options.wrapExecutor === undefined ? {} : { wrapExecutor: options.wrapExecutor }),
      ...(options.wrapListExecutor === undefined ? {} : { wrapListExecutor: options.wrapListExecutor }),
      ...(restored === undefined ? {} : { windows: WindowTracker.restore(restored.driver.windows) }),
    });
    if (restored !== undefined) installPortIds(env, PortIdAllocator.restore(restored.driver.portIds));
    this.device = new MshvDevice(env, restored?.driver.device);
    // The driver's movable regions register their MMU notifiers on the VMM's mm.
    this.machine.host.mmNotifier = (userAddr, pages) => {
      this.device.invalidateUserRange(userAddr, pages);
    };
  }

  /**
   * The whole world as a plain JSON value (format `mshv-control-world`, version 1): the machine's
   * snapshot, the driver (fd table, partitions, regions, VPs, irqfds, ioeventfds, MSI routing,
   * port ids, window counters) and the signals not yet taken. Only between ioctls.
   *
   * @example
   * const text = canonicalJson(world.snapshot());
   */
  snapshot(): JsonValue {
    return writeWorld({
      machine: this.machine.snapshot(),
      driver: saveDriver(this.device),
      signals: this.shared.pendingSignals(),
    });
  }

  /**
   * Rebuild a world from a snapshot, composing a fresh driver (with `options`' hooks, filler and
   * executor wrapper: extension points are code, not state) around the restored machine and
   * driver state, recording into `recorder`. A malformed, foreign or version-mismatched snapshot is
   * an error naming the JSON path and the rule, and nothing is built.
   *
   * @example
   * const r = SimWorld.fromSnapshot(JSON.parse(text), new TraceRecorder());
   * if (r.ok) r.value.device.runVp(5);
   */
  static fromSnapshot(
    json: unknown,
    recorder: HypercallRecorder,
    options: SimWorldOptions = {},
  ): SnapshotResult<SimWorld> {
    try {
      return { ok: true, value: SimWorld.restoreAt(json, '$', recorder, options) };
    } catch (e) {
      if (e instanceof SnapshotError) return { ok: false, error: e };
      throw e;
    }
  }

  /**
   * `fromSnapshot` for a world nested at `path` of a larger snapshot; throws the SnapshotError.
   *
   * @example
   * SimWorld.restoreAt(run.world, '$.world', trace);
   */
  static restoreAt(
    json: unknown,
    path: string,
    recorder: HypercallRecorder,
    options: SimWorldOptions = {},
  ): SimWorld {
    const parts = readWorld(json, path);
    const machine = SimulatedMachine.restoreAt(parts.machine, parts.machinePath, {
      ...(options.verify === undefined ? {} : { verify: options.verify }),
    });
    checkWorldReferences(json, path, parts.driver, (id) => machine.model.resolve(id)?.state);
    return new SimWorld(machine, recorder, options, parts);
  }

  /**
   * FNV-1a 64 of the canonical world snapshot, 16 hex digits: the model checker's state hash.
   *
   * @example
   * world.stateDigest(); // '3f9c…'
   */
  stateDigest(): string {
    return canonicalDigest(this.snapshot());
  }

  /**
   * The same digest as `stateDigest` without building the snapshot text (streamDigest).
   *
   * @example
   * world.fastStateDigest() === world.stateDigest(); // true
   */
  fastStateDigest(): string {
    return streamDigest(this.snapshot());
  }

  setGuestScript(partitionFd: number, vpIndex: number, exits: readonly GuestExit[]): void {
    const id = this.device.partitionIdOf(partitionFd);
    if (id === undefined) return;
    if (this.machine.model.resolve(id)?.vps.has(vpIndex) !== true) return;
    this.machine.pushExits(id, vpIndex, exits);
  }

  migrateUserPages(userAddr: bigint, pages: number): HostMigration {
    const notified = this.device.invalidateUserRange(userAddr, pages);
    return { ...notified, ...this.machine.migrateUserPages(userAddr, pages) };
  }

  armMigrationRace(userAddr: bigint, pages: number): boolean {
    return this.machine.armMigrationRace(userAddr, pages);
  }

  migrationRaceArmed(): boolean {
    return this.machine.migrationRace !== null;
  }

  exitsSeenByVmm(partitionFd: number, exits: readonly GuestExit[]): number {
    const id = this.device.partitionIdOf(partitionFd);
    if (id === undefined || this.machine.model.resolve(id) === undefined) return exits.length;
    return this.machine.exitsSeenByVmm(id, exits, this.#faultedIn(partitionFd));
  }

  /** The GPA intercepts the driver resolves itself for the partition behind `partitionFd` (movable regions). */
  #faultedIn(partitionFd: number): FaultedIn | undefined {
    const pt = this.device.partitionOf(partitionFd);
    return pt === undefined ? undefined : this.#faultedInOf(pt);
  }

  /** The GPA intercepts the driver resolves itself in `pt` (faults in a movable region). */
  #faultedInOf(pt: KernelPartition): FaultedIn {
    const hooks = this.device.env.hooks;
    return (gfn, write) => hooks.gpaFaultRegion(pt, gfn, write ? 1 : 0) !== undefined;
  }

  runWouldBlock(vpFd: number): boolean {
    const found = this.device.vpOf(vpFd);
    if (found === undefined) return false;
    const { pt, vp } = found;
    if (this.shared.signalPending(vp.index, pt.id) || vp.kickedByHv) return false;
    if (this.machine.model.resolve(pt.id)?.state !== 'initialized') return false;
    // An intercept the VP took while no thread was in MSHV_RUN_VP (its run had ended on an error)
    // waits in SINT0 for the ISR: the next run returns it at once, as the kernel's would find
    // kicked_by_hv set by the interrupt.
    if (this.machine.interceptPendingFor(pt.id, vp.index)) return false;
    return !this.machine.vpHasExitForVmm(pt.id, vp.index, this.#faultedInOf(pt));
  }

  dropSignal(partitionFd: number, vpIndex: number): void {
    const id = this.device.partitionIdOf(partitionFd);
    if (id !== undefined) this.shared.dropSignal(vpIndex, id);
  }

  raiseSignal(partitionFd: number, vpIndex: number): void {
    const id = this.device.partitionIdOf(partitionFd);
    if (id !== undefined) this.shared.raiseSignal(vpIndex, id);
  }

  describe(): readonly string[] {
    return this.machine.describe();
  }

  /**
   * The planned fault the driver model cannot get past that explains a throw, if any
   * (`plannedFaultAbort`): the last planned fault of the step, asked after the step threw; else, for
   * a HostCrash, the last planned SUCCESS of an earlier step, whose missing effects may surface only
   * later.
   *
   * @example
   * const abort = world.faultWatch();
   * // ...the step throws...
   * abort(error); // 'SET_PARTITION_PROPERTY call 1 answered CALL_PENDING (hypervisor.faults) and no completion follows: …'
   */
  faultWatch(): (thrown: unknown) => string | undefined {
    const injected = this.machine.hypervisor.faults.injected;
    const before = injected.length;
    return (thrown) => {
      const last = injected.slice(before).findLast((f) => f.source === 'planned');
      const here = last === undefined ? undefined : plannedFaultAbort(last);
      if (here !== undefined) return here;
      // A planned SUCCESS answered without running: what its call should have given (a VP's
      // register page, an output) is missing, and the driver may meet that steps later, where the
      // simulated host stops it (a HostCrash: the page it reads is not the root's). Any other throw
      // is the tool's own, whatever was planned before.
      if (!(thrown instanceof HostCrash)) return undefined;
      const earlier = injected
        .slice(0, before)
        .findLast((f) => f.source === 'planned' && f.status === HvStatus.SUCCESS);
      return earlier === undefined ? undefined : `${plannedFaultAbort(earlier) ?? ''} (at an earlier step)`;
    };
  }
}
