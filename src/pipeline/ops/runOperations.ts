import { type Observable, isObservable } from 'rxjs';
import { type QueueOptions, boundedQueue, queueFull } from './boundedQueue.js';
import { checkRequest } from './checkRequest.js';
import { LaneScheduler, type Waiting, laneKey } from './LaneScheduler.js';
import type { OperationRequest, OperationResult } from './Operation.js';
import { serializePerKey } from './serializePerKey.js';
import { isThenable, settleOutcome, toOperationResult } from './toOperationResult.js';

/**
 * The operation stream in front of the driver routines: each request runs under per-partition (and
 * per-VP) ordering with bounded queues, and comes back as a result carrying its id, partition and
 * name. Operating errors are values; a routine that throws errors the stream. Completes after the
 * source completes and every accepted operation has finished. Pass a `highWater` map to read the
 * per-lane high-water marks afterwards (the run summary).
 *
 * @example
 * const highWater = new Map<string, number>();
 * runOperations(from(requests), { highWater }).subscribe((r) => log(r));
 * highWater; // Map { 'vm0' => 1, 'vm0/vp0' => 3 }
 */
export function runOperations<T>(
  requests: Observable<OperationRequest<T>>,
  options: QueueOptions = {},
): Observable<OperationResult<T>> {
  return requests.pipe(serializePerKey(toOperationResult, options));
}

/**
 * runOperations for routines that are all synchronous (the scenario runner, the model checker):
 * the same results in the same order, without streams. Every request starts as it arrives, because
 * everything before it has already finished. A routine that returns a Promise or an Observable, or
 * throws, is a broken invariant: this throws.
 *
 * @example
 * const results = runOperationsSync([{ id: 1, partition: 'vm0', name: 'MSHV_CREATE_VP', run }]);
 */
export function runOperationsSync<T>(
  requests: Iterable<OperationRequest<T>>,
  options: QueueOptions = {},
): OperationResult<T>[] {
  const queues = boundedQueue<Waiting<T>>(options.depthMax, options.highWater);
  const lanes = new LaneScheduler<T>(queues);
  const results: OperationResult<T>[] = [];
  for (const req of requests) {
    checkRequest(req);
    if (!lanes.admit(req)) {
      results.push(queueFull(req, laneKey(req.partition, req.vp), queues.depthMax));
      continue;
    }
    for (
      let next = lanes.nextReady(req.partition);
      next !== undefined;
      next = lanes.nextReady(req.partition)
    ) {
      const outcome = next.run();
      if (isObservable(outcome) || isThenable(outcome))
        throw new TypeError(
          `operation #${next.id} (${next.name}): runOperationsSync needs a synchronous routine, ` +
            `run returned ${isObservable(outcome) ? 'an Observable' : 'a Promise'}`,
        );
      const result = settleOutcome(next, outcome);
      lanes.finish(next);
      results.push(result);
    }
  }
  return results;
}
