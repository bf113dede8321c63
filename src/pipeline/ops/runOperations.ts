import { type Observable, isObservable } from 'rxjs';
import { type QueueOptions, boundedQueue } from './boundedQueue.js';
import { LaneScheduler, type Waiting, refusedResult } from './LaneScheduler.js';
import type { OperationRequest, OperationResult } from './Operation.js';
import { refuseMalformed } from './refuseMalformed.js';
import { serializePerKey } from './serializePerKey.js';
import { isThenable, settleOutcome, toOperationResult } from './toOperationResult.js';

/**
 * The operation stream in front of the driver routines: each request runs in its lane (the
 * partition's, or its VP's: the kernel's `pt_mutex` and `vp_mutex`, independent of each other) with
 * bounded queues, and comes back as a result carrying its id, partition and name. Operating errors
 * are values, and so are a full lane (EAGAIN) and a malformed request that carries its id (EINVAL
 * naming the field); a routine that throws errors the stream. Completes after the source completes
 * and every accepted operation has finished. Pass a `highWater` map to read the per-lane high-water
 * marks afterwards (the run summary).
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
 * throws, is a broken invariant: this throws, as it does for a malformed request without an identity.
 *
 * @example
 * const results = runOperationsSync([{ id: 1, partition: 'vm0', name: 'MSHV_CREATE_VP', run }]);
 */
export function runOperationsSync<T>(
  requests: Iterable<OperationRequest<T>>,
  options: QueueOptions = {},
): OperationResult<T>[] {
  const queues = boundedQueue<Waiting<T>>(options.depthMax, options.highWater);
  const lanes = new LaneScheduler<T>(queues, options.waitingMax);
  const results: OperationResult<T>[] = [];
  for (const req of requests) {
    const malformed = refuseMalformed<T>(req);
    if (malformed instanceof Error) throw malformed;
    if (malformed !== undefined) {
      results.push(malformed);
      continue;
    }
    const refusal = lanes.admit(req);
    if (refusal !== undefined) {
      results.push(refusedResult(lanes, req, refusal));
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
