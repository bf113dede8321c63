import { Observable, type OperatorFunction, take } from 'rxjs';
import { type QueueOptions, boundedQueue } from './boundedQueue.js';
import { LaneScheduler, type Waiting, refusedResult } from './LaneScheduler.js';
import type { OperationRequest, OperationResult } from './Operation.js';
import { refuseMalformed } from './refuseMalformed.js';

/** Runs one accepted request; the first value is its result. */
export type Execute<T> = (req: OperationRequest<T>) => Observable<OperationResult<T>>;

/**
 * Per-lane ordering after the kernel's locks (issue 4, "The pipeline"; inventory §d, "Locks"): each
 * partition has a partition lane (`pt_mutex`) and one lane per VP (`vp_mutex`); a lane runs one
 * request at a time in arrival order, and lanes are independent (LaneScheduler). No partition ioctl
 * takes a `vp_mutex`, so a partition operation is never held back by a VP operation: an MSHV_RUN_VP
 * asleep until its VP is kicked (§c.6) does not stop the MSHV_ROOT_HVCALL, irqfd or MSI routing call
 * that would wake it. A caller that needs a partition operation done before a VP operation (a map
 * before a run) waits for its result. Partitions are independent. Waiting requests sit in bounded
 * per-lane queues (no concatMap buffer), one set per subscription; a request whose lane is full, or
 * that arrives while `waitingMax` requests wait in all lanes, is answered at once with EAGAIN. A
 * malformed request that carries its identity is answered at once with EINVAL naming the field
 * (`refuseMalformed`); one without an identity, and an error from `execute`, error the output.
 * Results are emitted as operations finish; the output completes once the source has completed and
 * every accepted operation has finished. Once the consumer has unsubscribed no further operation
 * starts. Pending work is trampolined, so a consumer that issues the next request from a result
 * does not recurse.
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
      const lanes = new LaneScheduler<T>(queues, options.waitingMax);
      const touched = new Set<string>();
      let draining = false;
      let sourceDone = false;
      const fail = (err: unknown): void => {
        subscriber.error(err);
      };
      // Read afresh each time: starting an operation can close the subscriber under us.
      const closed = (): boolean => subscriber.closed;

      const drain = (): void => {
        // A consumer that unsubscribed (take(1), takeUntil) gets no further operation started.
        if (draining || closed()) return;
        draining = true;
        for (const partition of touched) {
          touched.delete(partition);
          for (let req = lanes.nextReady(partition); req !== undefined; req = lanes.nextReady(partition)) {
            start(req);
            if (closed()) return;
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
          if (subscriber.closed) return;
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
        const malformed = refuseMalformed<T>(req);
        if (malformed instanceof Error) {
          fail(malformed);
          return;
        }
        if (malformed !== undefined) {
          subscriber.next(malformed);
          return;
        }
        const refusal = lanes.admit(req);
        if (refusal !== undefined) {
          subscriber.next(refusedResult(lanes, req, refusal));
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
