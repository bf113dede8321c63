/**
 * The operation stream (RxJS) for an embedder that issues /dev/mshv operations from several
 * asynchronous sources against one DevicePort: a lane per partition and per VP after the kernel's
 * `pt_mutex` and `vp_mutex` (ordered within a lane, independent across lanes), bounded lanes (EAGAIN
 * when full), results as values carrying the operation's identity. The control plane, the
 * Host API, replay and the model checker do not go through it: they are synchronous and ordered by
 * construction (docs/DECISIONS.md, Host API item 2).
 */
export { type BoundedQueue, QUEUE_DEPTH_MAX, type QueueOptions } from './boundedQueue.js';
export { WAITING_MAX } from './LaneScheduler.js';
export {
  type OperationError,
  type OperationMeta,
  type OperationOutcome,
  type OperationRequest,
  type OperationResult,
  operationError,
  resultOf,
} from './Operation.js';
export { runOperations, runOperationsSync } from './runOperations.js';
export { type Execute, serializePerKey } from './serializePerKey.js';
export { toOperationResult } from './toOperationResult.js';
