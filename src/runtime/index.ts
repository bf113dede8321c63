/**
 * The control plane (docs/ARCHITECTURE.md): the runtime that steps the partition and VP machines,
 * performs their operations on a DevicePort, and writes intents, transitions, operations and results
 * to a RecordSink. The Host API is built on it; replay and the model checker drive it by intents.
 */
export {
  ControlPlane,
  type ControlPlaneOptions,
  createArgsJson,
  guestExitsJson,
  KICK_RESIGNALS_MAX,
  type PlaneParts,
  type SettledRun,
} from './ControlPlane.js';
export {
  applyIntent,
  createArgsFromJson,
  guestExitsFromJson,
  type Intent,
  INTENT_NAMES,
} from './applyIntent.js';
export { DRIVE_ROUNDS_MAX, driveMachine, type Performed } from './driveMachine.js';
export { type Machines, type PartitionMachine, SHIPPED_MACHINES, type VpMachine } from './Machines.js';
export { MemorySink, NULL_SINK, type RecordSink } from './RecordSink.js';
export { outcomeErrno, type RequestOutcome } from './RequestOutcome.js';
export { SinkRecorder } from './SinkRecorder.js';
export type { PartitionSlot, PendingRun, VpSlot } from './Slots.js';
export { DEFAULT_VMM, type VmmConfig } from './VmmConfig.js';
export type { VmmHooks } from './VmmHooks.js';
export { defaultVmmHooks } from './defaultVmmHooks.js';
