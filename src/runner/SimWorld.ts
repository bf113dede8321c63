import { SimulatedMachine } from '../../adapters/simulated/SimulatedMachine.js';
import { partitionId } from '../hv/ids.js';
import { type ExecutorStages, createDriverEnv } from '../pipeline/driver/createDriverEnv.js';
import type { DriverHooks } from '../pipeline/driver/DriverHooks.js';
import { MshvDevice } from '../pipeline/driver/MshvDevice.js';
import type { Executor } from '../pipeline/Executor.js';
import type { InputFiller } from '../pipeline/fillInputPage.js';
import type { HypercallRecorder } from '../pipeline/HypercallRecorder.js';
import type { Depositor } from '../pipeline/withDepositRetry.js';
import type { HypervisorPort } from '../ports/HypervisorPort.js';
import type { GuestExit, Scenario } from '../scenario/Scenario.js';
import type { RunWorld } from './RunWorld.js';
import { SimHvShared } from './SimHvShared.js';

/** The CPU the driver's thread runs on (its per-CPU hypercall pages). */
export const DRIVER_CPU = 0;

/** Extension points for checkers and tests: a broken driver is one replaced stage. */
export interface SimWorldOptions {
  readonly hooks?: Partial<DriverHooks>;
  readonly fill?: InputFiller;
  readonly wrapExecutor?: (routed: Executor, deposit: Depositor, stages: ExecutorStages) => Executor;
  readonly randomFaults?: ConstructorParameters<typeof SimulatedMachine>[0]['randomFaults'];
  /**
   * Wrap the hypervisor port the driver calls (the hypervisor itself is unchanged): an observer sees
   * every hypercall with its pages before and after the call (the model checker's invariants).
   */
  readonly wrapHypervisor?: (port: HypervisorPort) => HypervisorPort;
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

  constructor(scenario: Scenario, recorder: HypercallRecorder, options: SimWorldOptions = {}) {
    this.machine = new SimulatedMachine({
      seed: scenario.seed,
      scheduler: scenario.hypervisor.scheduler,
      faults: scenario.hypervisor.faults,
      hostMemory: scenario.hostMemory,
      ...(scenario.hypervisor.repTimeSlice === undefined
        ? {}
        : { repTimeSlice: scenario.hypervisor.repTimeSlice }),
      ...(options.randomFaults === undefined ? {} : { randomFaults: options.randomFaults }),
    });
    this.machine.runOn(DRIVER_CPU);
    this.shared = new SimHvShared(this.machine, DRIVER_CPU);
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
      recorder,
      shared: this.shared,
      ...(options.hooks === undefined ? {} : { hooks: options.hooks }),
      ...(options.fill === undefined ? {} : { fill: options.fill }),
      ...(options.wrapExecutor === undefined ? {} : { wrapExecutor: options.wrapExecutor }),
    });
    this.device = new MshvDevice(env);
  }

  setGuestScript(partitionFd: number, vpIndex: number, exits: readonly GuestExit[]): void {
    const id = this.device.partitionIdOf(partitionFd);
    if (id === undefined) return;
    const p = this.machine.partition(id);
    if (p?.vps.some((v) => v.index === vpIndex) !== true) return;
    this.machine.pushExits(id, vpIndex, exits);
  }

  exitsSeenByVmm(partitionFd: number, exits: readonly GuestExit[]): number {
    const id = this.device.partitionIdOf(partitionFd);
    if (id === undefined || this.machine.partition(id) === undefined) return exits.length;
    return this.machine.exitsSeenByVmm(id, exits);
  }

  runWouldBlock(vpFd: number): boolean {
    const found = this.device.vpOf(vpFd);
    if (found === undefined) return false;
    const { pt, vp } = found;
    if (this.shared.signalPending(vp.index, pt.id) || vp.kickedByHv) return false;
    if (this.machine.partition(pt.id)?.state !== 'initialized') return false;
    return !this.machine.vpHasExitForVmm(pt.id, vp.index);
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
}
