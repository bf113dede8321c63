/**
 * The lifecycle machines: one definition each for the live runtime (an xstate actor), replay and the
 * model checker (xstate's pure `initialTransition` / `transition`, see `pureStep`).
 */
export {
  type Emitted,
  type OpArg,
  type OpArgs,
  type OpCommand,
  type Refusal,
  type Rejection,
  emittedOf,
} from './MachineEmitted.js';
export { type PureStep, pureStart, pureStep } from './pureStep.js';
export { TransitionMemo } from './TransitionMemo.js';
export {
  type DirtyTracking,
  type PartitionContext,
  type PartitionInput,
  type PartitionPhase,
  type Scheduler,
  initialPartitionContext,
} from './partition/PartitionContext.js';
export {
  PARTITION_REQUESTS,
  type PartitionEvent,
  type PartitionRequest,
  type PartitionResult,
} from './partition/PartitionEvent.js';
export { PARTITION_OPS, type PartitionCommand, type PartitionOp } from './partition/PartitionOp.js';
export {
  DIRTY_BITMAP_PAGES_MAX,
  PARTITION_RULE_ERRNO,
  type PartitionRule,
  partitionRoutingGuards,
  partitionRuleGuards,
} from './partition/partitionGuards.js';
export { type PartitionEmitted, partitionMachine } from './partition/partitionMachine.js';
export { phaseRefusal } from './partition/phaseRefusal.js';
export { PROPERTY_STAGE, type PropertyStage, propertyStage } from './partition/propertyStage.js';
export { EXIT_KINDS, EXIT_MESSAGE, type ExitKind, isExitKind } from './vp/ExitKind.js';
export { type RunOutcome, VP_FLAG, type VpContext, type VpInput, initialVpContext } from './vp/VpContext.js';
export { VP_REQUESTS, type VpEvent, type VpRequest, type VpResult } from './vp/VpEvent.js';
export { VP_OPS, type VpCommand, type VpOp } from './vp/VpOp.js';
export { VP_STATE_PARTS, type VpStatePart, isStatePagePart, restoreRank } from './vp/VpStatePart.js';
export { VP_RULE_ERRNO, type VpRule, runRefusal, vpRoutingGuards, vpRuleGuards } from './vp/vpGuards.js';
export { type VpEmitted, vpMachine } from './vp/vpMachine.js';
export {
  machineGraph,
  type GraphState,
  type GraphTransition,
  type MachineGraph,
} from './diagram/machineGraph.js';
export { toDot } from './diagram/toDot.js';
export { toMermaid } from './diagram/toMermaid.js';
