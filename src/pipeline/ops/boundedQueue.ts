import { type OperationMeta, type OperationResult, operationError, resultOf } from './Operation.js';

/**
 * High-water mark of one lane's pending queue: requests accepted but not yet started. In the kernel
 * every waiting ioctl is a caller thread asleep on `pt_mutex` or `vp_mutex` (inventory §d, "Locks"),
 * so a lane's depth is the number of threads a VMM points at one partition or one VP at once: one
 * run thread per VP lane, a few control threads on the partition lane. 64 is a wide margin over any
 * caller that awaits its results, while it caps what one lane can hold (a partition with all 256 VPs:
 * 257 lanes × 64 requests; a VP index of 256 or more is refused, so no partition has more lanes, and
 * WAITING_MAX caps all lanes together). A caller that fills a lane is issuing without awaiting, which
 * is the bug the EAGAIN answer surfaces.
 */
export const QUEUE_DEPTH_MAX = 64;

/** How the pipeline's queues are built: the limits, and where the high-water marks are recorded. */
export interface QueueOptions {
  /** Requests one lane may hold waiting; QUEUE_DEPTH_MAX by default. */
  readonly depthMax?: number;
  /** Requests all lanes together may hold waiting; WAITING_MAX (16,448) by default. */
  readonly waitingMax?: number;
  /**
   * Receives, per lane, the most requests it held at once (kept across runs sharing the map). Without
   * a map no marks are kept. The stream never deletes a key: the map grows by one key per lane ever
   * used, at most 257 per partition name, so a caller that keeps one map across many partitions'
   * lifetimes deletes a partition's keys (`vm0`, `vm0/vpN`) when it is done with them.
   */
  readonly highWater?: Map<string, number>;
}

/** Per-key FIFO queues, each bounded, with the largest depth each key ever reached. */
export interface BoundedQueue<E> {
  readonly depthMax: number;
  /** Appends `item` to `key`'s queue; false (and no change) when that queue is full. */
  offer(key: string, item: E): boolean;
  peek(key: string): E | undefined;
  /** Removes and returns the head; a queue that becomes empty is dropped. */
  shift(key: string): E | undefined;
  size(key: string): number;
  /** Keys with at least one queued item. */
  readonly keyCount: number;
  /**
   * The most items each key held at once, for the run summary; keys survive draining. Empty, and
   * never written, when the queues were built without a map.
   */
  readonly highWater: ReadonlyMap<string, number>;
}

/**
 * Creates the bounded per-key queues serializePerKey keeps its waiting requests in. A request counts
 * from its admission until it starts, so a lane whose requests never waited shows a mark of 1. The
 * marks go into `highWater` when one is given, and nowhere otherwise.
 *
 * @example
 * const queues = boundedQueue<string>(2, new Map());
 * queues.offer('vm0', 'a'); queues.offer('vm0', 'b');
 * queues.offer('vm0', 'c'); // false: full
 * queues.highWater; // Map { 'vm0' => 2 }
 */
export function boundedQueue<E>(
  depthMax: number = QUEUE_DEPTH_MAX,
  marks?: Map<string, number>,
): BoundedQueue<E> {
  if (!Number.isSafeInteger(depthMax) || depthMax < 1)
    throw new RangeError(`depthMax must be a positive integer, got ${depthMax}`);
  const queues = new Map<string, E[]>();
  const highWater = marks ?? new Map<string, number>();
  return {
    depthMax,
    offer(key, item) {
      const queue = queues.get(key) ?? [];
      if (queue.length >= depthMax) return false;
      queue.push(item);
      queues.set(key, queue);
      if (marks !== undefined) marks.set(key, Math.max(marks.get(key) ?? 0, queue.length));
      return true;
    },
    peek: (key) => queues.get(key)?.[0],
    shift(key) {
      const queue = queues.get(key);
      const item = queue?.shift();
      if (queue?.length === 0) queues.delete(key);
      return item;
    },
    size: (key) => queues.get(key)?.length ?? 0,
    get keyCount() {
      return queues.size;
    },
    highWater,
  };
}

/**
 * The answer to a request whose queue is full: EAGAIN naming the queue and the limit.
 *
 * @example
 * queueFull(req, 'vm0/vp1', 64); // { ok: false, error: { errnoName: 'EAGAIN', … } }
 */
export function queueFull<T>(req: OperationMeta, queue: string, depthMax: number): OperationResult<T> {
  const message = `queue ${queue} is full: limit ${depthMax} waiting requests`;
  return resultOf<T>(req, { ok: false, error: operationError(req.name, 'EAGAIN', message) });
}

/**
 * The answer to a request refused because the stream already holds its limit of waiting requests
 * in all lanes together: EAGAIN naming the limit.
 *
 * @example
 * waitingFull(req, 16448); // { ok: false, error: { errnoName: 'EAGAIN', … } }
 */
export function waitingFull<T>(req: OperationMeta, waitingMax: number): OperationResult<T> {
  const message = `all lanes together hold the limit of ${waitingMax} waiting requests (waitingMax)`;
  return resultOf<T>(req, { ok: false, error: operationError(req.name, 'EAGAIN', message) });
}
