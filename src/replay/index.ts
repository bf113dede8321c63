/**
 * Replay, snapshots and recovery over the event log (docs/guide/replay.md): write a replayable log
 * (`runScenarioLogged`, `openLoggedPlane`, `runHeader`), replay it against a recorded hypervisor
 * (`replayLog`, `replayRecords`), restore from a snapshot (`restoreSnapshot`, the `WorldCodec` seam),
 * recover after a crash (`recoverLog`, `recoverRecords`).
 */
export { compareRecord } from './compareRecord.js';
export {
  bytesDifferences,
  controlLine,
  describeHypercall,
  describeRecord,
  statusLine,
} from './describeRecord.js';
export { type Divergence, DivergenceSignal, EndOfLogSignal, formatDivergence } from './Divergence.js';
export { formatRecoverReport } from './formatRecoverReport.js';
export { formatVerdict } from './formatVerdict.js';
export type { IntentDriver, RuntimeFds, RuntimePartition, RuntimeVp } from './IntentDriver.js';
export { type LiveInventory, type LivePartition, type LiveVp, liveInventory } from './liveInventory.js';
export type { LoggedRecord } from './LoggedRecord.js';
export { PlaneDriver } from './PlaneDriver.js';
export { PREFIX_WORLD_CODEC, prefixWorldCodec } from './prefixWorldCodec.js';
export { SIM_WORLD_CODEC, simWorldCodec } from './simWorldCodec.js';
export { ExpectedRecords } from './ExpectedRecords.js';
export { type RecordedAnswer, recordedAnswer } from './RecordedAnswer.js';
export { RecordedHypervisor, type RecordedHypervisorOptions } from './RecordedHypervisor.js';
export { ReplayCursor } from './ReplayCursor.js';
export {
  type RecoverAudit,
  type RecoverOptions,
  type RecoverReport,
  type TeardownAction,
  type Unreachable,
  recoverLog,
  recoverRecords,
  recoverSource,
} from './recoverRecords.js';
export { replayLog, replayRecords } from './replayLog.js';
export {
  type KindCounts,
  type ReplayOptions,
  type ReplaySession,
  type ReplayVerdict,
  createIntentDriver,
  finalStateOf,
  replaySession,
} from './replaySession.js';
export {
  type ChecksumPolicy,
  CHECKSUM_KINDS,
  INPUT_KINDS,
  memorySource,
  readerSource,
  type ReplaySource,
} from './ReplaySource.js';
export {
  RUN_META_KEY,
  RUN_META_VERSION,
  type RunMeta,
  type Vocabulary,
  VOCABULARIES,
  readRunMeta,
  runHeader,
  runMetaJson,
} from './RunMeta.js';
export { openLoggedPlane, planeRunMeta } from './openLoggedPlane.js';
export { runScenarioLogged, scenarioRunMeta } from './runScenarioLogged.js';
export {
  DEFAULT_SNAPSHOT_EVERY,
  type LoggedRunOptions,
  loggedRunMeta,
  wireLoggedWorld,
} from './wireLoggedWorld.js';
export { ScenarioDriver, readStepperState } from './ScenarioDriver.js';
export { ScenarioLogObserver, STEP_INTENT } from './ScenarioLogObserver.js';
export {
  type RestoreContext,
  SNAPSHOT_FORMAT,
  SNAPSHOT_VERSION,
  captureSnapshot,
  restoreSnapshot,
} from './restoreSnapshot.js';
export { SnapshottingSink } from './SnapshottingSink.js';
export type { SnapshotPoint, WorldBuild, WorldCodec } from './WorldCodec.js';
export { worldDigest } from './worldDigest.js';
