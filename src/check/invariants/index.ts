import { asyncInFlight } from './asyncInFlight.js';
import { clockNotRestored } from './clockNotRestored.js';
import { conservation } from './conservation.js';
import { deletedPartition } from './deletedPartition.js';
import { depositRetry } from './depositRetry.js';
import { dirtyNotMarkedAtDisable } from './dirtyNotMarkedAtDisable.js';
import { failedMap } from './failedMap.js';
import { frozenTimeRun } from './frozenTimeRun.js';
import { inputPages } from './inputPages.js';
import type { Invariant } from './Invariant.js';
import { kernelErrno } from './kernelErrno.js';
import { liveness } from './liveness.js';
import { mmMirror } from './mmMirror.js';
import { recovery } from './recovery.js';
import { refinement } from './refinement.js';
import { restoreOutOfOrder } from './restoreOutOfOrder.js';
import { ripNotAdvanced } from './ripNotAdvanced.js';
import { runAfterFinalize } from './runAfterFinalize.js';
import { runningWithoutThread } from './runningWithoutThread.js';
import { snapshotWhileRunning } from './snapshotWhileRunning.js';
import { unmapBatches } from './unmapBatches.js';
import { vpPagesReleased } from './vpPagesReleased.js';
import { windows } from './windows.js';

/**
 * Every invariant the checker evaluates, in the order a step's violations are reported: the
 * observations made during the step (hypercall-level) come first by nature, then these after-step
 * checks in this order; liveness last, so a throw is attributed to a more specific invariant when
 * one saw the cause. The lifecycle-rule invariants (frozenTimeRun, clockNotRestored, ripNotAdvanced, restoreOutOfOrder,
 * snapshotWhileRunning, dirtyNotMarkedAtDisable) come after runAfterFinalize: a run into a paused
 * partition (time frozen) is that invariant's finding first.
 */
export const ALL_INVARIANTS: readonly Invariant[] = [
  windows,
  inputPages,
  unmapBatches,
  asyncInFlight,
  deletedPartition,
  vpPagesReleased,
  depositRetry,
  failedMap,
  runAfterFinalize,
  frozenTimeRun,
  clockNotRestored,
  ripNotAdvanced,
  restoreOutOfOrder,
  snapshotWhileRunning,
  dirtyNotMarkedAtDisable,
  runningWithoutThread,
  refinement,
  kernelErrno,
  conservation,
  mmMirror,
  recovery,
  liveness,
];

export {
  asyncInFlight,
  clockNotRestored,
  conservation,
  deletedPartition,
  depositRetry,
  dirtyNotMarkedAtDisable,
  failedMap,
  frozenTimeRun,
  inputPages,
  kernelErrno,
  liveness,
  mmMirror,
  recovery,
  refinement,
  restoreOutOfOrder,
  ripNotAdvanced,
  runAfterFinalize,
  runningWithoutThread,
  snapshotWhileRunning,
  unmapBatches,
  vpPagesReleased,
  windows,
};
export type { Invariant, ObservedCall, StepView, Verdict, Violation } from './Invariant.js';
