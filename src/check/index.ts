/**
 * The lifecycle model checker (docs/guide/check.md): check models, strategies over the shipped
 * stack, invariants, counterexamples and coverage.
 */
export { CHECK_MODEL_FORMAT, CRASH_POINTS } from './CheckModel.js';
export type {
  CheckBounds,
  CheckModel,
  CheckWorldSpec,
  CrashPoints,
  FaultChoice,
  IntentTemplate,
  RandomSettings,
} from './CheckModel.js';
export type { CheckVariant } from './CheckVariant.js';
export {
  CheckWorld,
  type CheckWorldOptions,
  type StepReport,
  type StepScratch,
  type UnmapBatch,
} from './CheckWorld.js';
export { type CrashRecovery, recoverCrashedRun } from './recoverCrashedRun.js';
export {
  buildCounterexample,
  COUNTEREXAMPLE_FORMAT,
  type Counterexample,
  counterexampleFromJson,
  counterexampleJson,
  reproduce,
  reproduction,
  type Reproduction,
} from './Counterexample.js';
export { Coverage, type CoverageData } from './Coverage.js';
export { coverageLines, type CoverageSummary, summarizeCoverage } from './coverageReport.js';
export { DEFAULT_MODEL_JSON, defaultModel } from './defaultModel.js';
export { EXPECTED_ERRNO } from './expectedErrno.js';
export {
  type CrashJudgement,
  type Expansion,
  Explorer,
  type FoundChild,
  type FoundViolation,
  type PathNode,
  ROOT,
  type WorkCounters,
} from './Explorer.js';
export { ALL_INVARIANTS } from './invariants/index.js';
export { LIFECYCLE_RULES_MODEL_JSON, lifecycleRulesModel } from './lifecycleRulesModel.js';
export type { Invariant, ObservedCall, StepView, Verdict, Violation } from './invariants/Invariant.js';
export { loadCheckModel, parseCheckModelText } from './loadCheckModel.js';
export { LossySimWorld } from '../runner/LossySimWorld.js';
export {
  type CheckOptions,
  type CheckProgress,
  type CheckResult,
  type CheckVerdict,
  runCheck,
  type Strategy,
} from './runCheck.js';
export { controlPlaneDigest, type ExtraFault, type StateDigest, type Symmetry } from './stateDigest.js';
export { describeStep, type InsideCrash, type Step } from './Step.js';
export { type RestoreProgress, type RestoreWrite, restoreWriteOf, VpRestoreLog } from './VpRestoreLog.js';
export { counterexampleMeta, writeCounterexampleLog } from './writeCounterexampleLog.js';
