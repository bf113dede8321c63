import { asyncInFlight } from './asyncInFlight.js';
import { conservation } from './conservation.js';
import { deletedPartition } from './deletedPartition.js';
import { depositRetry } from './depositRetry.js';
import { failedMap } from './failedMap.js';
import { inputPages } from './inputPages.js';
import type { Invariant } from './Invariant.js';
import { kernelErrno } from './kernelErrno.js';
import { liveness } from './liveness.js';
import { recovery } from './recovery.js';
import { refinement } from './refinement.js';
import { runAfterFinalize } from './runAfterFinalize.js';
import { vpPagesReleased } from './vpPagesReleased.js';
import { windows } from './windows.js';

/**
 * Every invariant the checker evaluates, in the order a step's violations are reported: the
 * observations made during the step (hypercall-level) come first by nature, then these after-step
 * checks in this order; liveness last, so a throw is attributed to a more specific invariant when
 * one saw the cause.
 */
export const ALL_INVARIANTS: readonly Invariant[] = [
  windows,
  inputPages,
  asyncInFlight,
  deletedPartition,
  vpPagesReleased,
  depositRetry,
  failedMap,
  runAfterFinalize,
  refinement,
  kernelErrno,
  conservation,
  recovery,
  liveness,
];

export {
  asyncInFlight,
  conservation,
  deletedPartition,
  depositRetry,
  failedMap,
  inputPages,
  kernelErrno,
  liveness,
  recovery,
  refinement,
  runAfterFinalize,
  vpPagesReleased,
  windows,
};
export type { Invariant, ObservedCall, StepView, Verdict, Violation } from './Invariant.js';
