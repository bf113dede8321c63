import { Observable, type OperatorFunction, take } from 'rxjs';
import { type QueueOptions, boundedQueue, queueFull } from './boundedQueue.js';
import { checkRequest } from './checkRequest.js';
import { LaneScheduler, type Waiting, laneKey } from './LaneScheduler.js';
import type { OperationRequest, OperationResult } from './Operation.js';

/** Runs one accepted request; the first value is its result. */
export type Execute<T> = (req: OperationRequest<T>) => Observable<OperationResult<T>>;

/**
 * Per-partition ordering (issue 4, "The pipeline"): requests of one partition run one at a time in
 * arrival order, except that VP operations on different VPs overlap; a partition operation waits for
 * everything in flight in its partition and VP operations wait for it. This is stricter than the
 * kernel, whose `pt_mutex` and `vp_mutex` are separate (inventory §d, "Locks"), so that a partition
 * operation always sees a quiescent partition. Partitions are independent. Waiting requests sit in
 * bounded per-lane queues (no concatMap buffer), one set per subscription; a request whose lane is
 * full is answered at once with EAGAIN. Results are emitted as operations finish; the output
 * completes once the source has completed and every accepted operation has finished. An error from
 * `execute` or a malformed request errors the output. Pending work is trampolined, so a consumer
 * that issues the next request from a result does not recurse.
 *
 * @example
 * requests$.pipe(serializePerKey(toOperationResult, { depthMax: 8 })).subscribe(console.log);
 */
export function serializePerKey<T>(
  execute: Execute<T>,
  options: QueueOptions = {},
): OperatorFunction<OperationRequest<T>, OperationResult<T>> {
  return (source) =>
    new Observable<OperationResult<T>>((subscriber) => {
      const queues = boundedQueue<Waiting<T>>(options.depthMax, options.highWater);
      const lanes = new LaneScheduler<T>(queues);
      const touched = new Set<string>();
      let draining = false;
      let sourceDone = false;
      const fail = (err: unknown): void => {
        subscriber.error(err);
      };

      const drain = (): void => {
        if (draining) return;
        draining = true;
        for (const partition of touched) {
          touched.delete(partition);
          for (let req = lanes.nextReady(partition); req !== undefined; req = lanes.nextReady(partition)) {
            start(req);
            if (subscriber.closed) return;
          }
        }
        draining = false;
        if (sourceDone && lanes.idle) subscriber.complete();
      };

      const start = (req: OperationRequest<T>): void => {
        let answered = false;
        const onResult = (result: OperationResult<T>): void => {
          answered = true;
          lanes.finish(req);
          subscriber.next(result);
          touched.add(req.partition);
          drain();
        };
        const noResult = (): void => {
          if (!answered) fail(new Error(`operation #${req.id} (${req.name}) ended without a result`));
        };
        let inner: Observable<OperationResult<T>>;
        try {
          inner = execute(req);
        } catch (err: unknown) {
          fail(err);
          return;
        }
        subscriber.add(inner.pipe(take(1)).subscribe({ next: onResult, error: fail, complete: noResult }));
      };

      const arrive = (req: OperationRequest<T>): void => {
        if (subscriber.closed) return;
        try {
          checkRequest(req);
        } catch (err: unknown) {
          fail(err);
          return;
        }
        if (!lanes.admit(req)) {
          subscriber.next(queueFull(req, laneKey(req.partition, req.vp), queues.depthMax));
          return;
        }
        touched.add(req.partition);
        drain();
      };

      const complete = (): void => {
        sourceDone = true;
        if (!draining && lanes.idle) subscriber.complete();
      };
      return source.subscribe({ next: arrive, error: fail, complete });
    });
}
