/**
 * `mshv-control`: the library's public entry. Each block below is one layer (docs/ARCHITECTURE.md);
 * everything else under src/, machines/ and adapters/ is internal and may change.
 *
 * @example
 * import { CountingRecorder, SimWorld, parseScenarioText, runScenario } from 'mshv-control';
 * const scenario = parseScenarioText(text); // a version-1 scenario (docs/scenario-format.md)
 * const world = new SimWorld(scenario, new CountingRecorder());
 * world.describe(); // ['seed 7', 'scheduler core-smt', …]
 * runScenario(scenario, world).failed; // undefined when every step met its expect
 *
 * @packageDocumentation
 */

// The Host API (also importable alone as `mshv-control/api`): what an embedded VMM control plane uses.
export * from './api/index.js';

// The ABI as data (also importable alone as `mshv-control/hv`).
export * from './hv/index.js';

// Scenarios: the version-1 format, its loader and its errors.
export * from './scenario/index.js';
export { readScenarioFile } from './scenario/readScenarioFile.js';
export type { Json } from './scenario/Codec.js';

// Running scenarios on the simulated stack; traces.
export { DRIVER_CPU, SimWorld, type SimWorldOptions } from './runner/SimWorld.js';
export type { SimHvShared } from './runner/SimHvShared.js';
export { type HostMigration, MM_MIGRATE, NOTHING_MIGRATED, type RunWorld } from './runner/RunWorld.js';
export { MIGRATE_DURING, type MigrateDuring } from './scenario/MigrateDuring.js';
export { runScenario, type RunReport } from './runner/runScenario.js';
export type { OperationObserver, OperationStart } from './runner/OperationObserver.js';
export { stepMet, type StepOutcome } from './runner/StepOutcome.js';
export { TraceRecorder, type TraceRecord } from './runner/TraceRecorder.js';

// The driver model behind a DevicePort, and what it reports.
export { MshvDevice } from './pipeline/driver/MshvDevice.js';
export type { DriverHooks } from './pipeline/driver/DriverHooks.js';
export type { DriverEnv } from './pipeline/driver/DriverEnv.js';
export type { ExecutorStages } from './pipeline/driver/createDriverEnv.js';
export type { WindowedEnv } from './pipeline/windowedExecutor.js';
export type { CpuPages } from './pipeline/CpuPages.js';
export type {
  FaultedChunk,
  KernelIoeventfd,
  KernelIrqfd,
  KernelPartition,
  KernelRegion,
  KernelVp,
  MsiRoute as KernelMsiRoute,
} from './pipeline/driver/KernelPartition.js';
export type { HostMemory } from './pipeline/driver/HostMemory.js';
export type { HvShared } from './pipeline/driver/HvShared.js';
export type { PassthroughCall, PassthroughExecutor } from './pipeline/driver/passthroughExecutor.js';
export type { KernelPages } from './pipeline/KernelPages.js';
export type { WindowTracker } from './pipeline/WindowTracker.js';
export type { CallOutcome, CallPlan, DepositPolicy, ListWriter } from './pipeline/CallPlan.js';
export type { TeardownReport } from './pipeline/driver/teardown.js';
export type { Chunk } from './pipeline/driver/planChunks.js';
export { MMU_INVALIDATE } from './pipeline/driver/invalidateMovableRange.js';
export type { BatchRequest, BatchResult } from './pipeline/runBatches.js';
export type { Executor } from './pipeline/Executor.js';
export type { InputFiller } from './pipeline/fillInputPage.js';
export type { Deposited, Depositor } from './pipeline/withDepositRetry.js';
export type { IoctlResult, MshvError } from './pipeline/driver/IoctlResult.js';
export {
  CountingRecorder,
  type HypercallEvent,
  type HypercallRecorder,
} from './pipeline/HypercallRecorder.js';

// Ports: the two boundaries an adapter implements.
export type * from './ports/DevicePort.js';
export type { HostPort, PfnRun, UserRange, VmaInfo } from './ports/HostPort.js';
export { HvPage } from './ports/HvPage.js';
export type { HypervisorPort } from './ports/HypervisorPort.js';

// Determinism: the seeded random stream and the injected clock.
export { Rng } from './det/Rng.js';
export { type Clock, ManualClock, NS_PER_REFERENCE_TICK } from './det/Clock.js';

// The simulated hypervisor and host machine.
export {
  SimulatedMachine,
  type CpuPagePair,
  type PartitionView,
  type VpView,
} from '../adapters/simulated/SimulatedMachine.js';
export {
  deriveKnobs,
  describeKnobs,
  type CostModel,
  type Knobs,
  type MachineConfig,
} from '../adapters/simulated/MachineConfig.js';
export type { AuditReport, PoolAudit } from '../adapters/simulated/audit.js';
export type { SimulatedHypervisor } from '../adapters/simulated/SimulatedHypervisor.js';
export type { SimulatedHost } from '../adapters/simulated/host/SimulatedHost.js';
export type { OwnerKind } from '../adapters/simulated/host/HostRam.js';
export type {
  FragmentationKnobs,
  MigrateReport,
  RacingMigration,
} from '../adapters/simulated/host/UserSpace.js';
export type { PartitionState } from '../adapters/simulated/model/Partition.js';
export type { GpaValue } from '../adapters/simulated/model/GpaMap.js';
export type { FaultPlan } from '../adapters/simulated/faults/FaultPlan.js';
export type { CallRecord } from '../adapters/simulated/SimulatedHypervisor.js';
export { HostCrash } from '../adapters/simulated/host/HostCrash.js';
export type { InjectedFault, RandomFaultRates } from '../adapters/simulated/faults/FaultPlan.js';

// The lifecycle machines. Both the scenario and the partition machine name a `Scheduler`: the
// scenario's (lp, lp-smt, core-smt, root) keeps the name; the machine's (hv, root) is renamed.
export * from '../machines/index.js';
export type { Scheduler } from './scenario/Scenario.js';
export type { Scheduler as PartitionScheduler } from '../machines/partition/PartitionContext.js';

// The durable event log.
export * from './log/index.js';

// Snapshots of the simulated world and the driver model: JSON values (`snapshot()`, `fromSnapshot`),
// validated with errors that name the JSON path and the rule. The typed `Saved*` parts are internal.
export { SnapshotError, type SnapshotResult } from './snapshot/SnapshotError.js';
export type { RestoreOptions } from '../adapters/simulated/SimulatedMachine.js';
export type { FaultedIn } from '../adapters/simulated/model/Guest.js';
export type { TeardownStep } from './pipeline/driver/teardown.js';

// The operation stream (RxJS) for embedders with several asynchronous sources of operations.
export * from './pipeline/ops/index.js';

// The control plane the Host API, replay and the model checker drive.
export * from './runtime/index.js';
export {
  ScenarioStepper,
  type ScenarioFds,
  type StepperOptions,
  type StepperState,
} from './runner/ScenarioStepper.js';

// Replay, snapshots of a run and recovery: what a replay test or a recovery tool calls.
export * from './replay/index.js';

// The lifecycle model checker: models, exploration, invariants, counterexamples. The scenario's
// `Step` keeps the name; the checker's is `CheckStep`.
export * from './check/index.js';
export type { Step } from './scenario/index.js';
export type { Step as CheckStep } from './check/Step.js';
