import { MSHV_MAX_VPS } from '../../hv/uapi/flags.js';
import { type BoundedQueue, QUEUE_DEPTH_MAX, queueFull, waitingFull } from './boundedQueue.js';
import type { OperationRequest, OperationResult } from './Operation.js';

/** A request waiting in a lane, stamped with its arrival order. */
export interface Waiting<T> {
  readonly seq: number;
  readonly req: OperationRequest<T>;
}

/**
 * Requests one scheduler (one subscription of the stream) holds waiting in all its lanes at once:
 * one partition with every lane full, 257 lanes (its own and MSHV_MAX_VPS = 256 VP lanes) ×
 * QUEUE_DEPTH_MAX = 16,448. A partition cannot hold more than that by itself (a VP index is below
 * 256), and this caps what all partitions together hold, so the stream's memory is bounded however
 * many partitions a caller names. A request whose lane is idle starts at once and is never refused
 * by it: the bound is on requests that wait.
 */
export const WAITING_MAX = (MSHV_MAX_VPS + 1) * QUEUE_DEPTH_MAX;

/** Why `admit` refused a request: its lane is full, or the scheduler holds its limit in all lanes. */
export type Refusal = 'laneFull' | 'waitingFull';

interface PartitionState {
  partitionBusy: boolean;
  readonly busyVps: Set<number>;
  /** VP lanes with at least one waiting request. */
  readonly waitingVps: Set<number>;
}

/**
 * The queue name of a request's lane: the partition for partition operations, `partition/vpN` for
 * VP operations.
 *
 * @example
 * laneKey('vm0', 3); // 'vm0/vp3'
 */
export const laneKey = (partition: string, vp: number | undefined): string =>
  vp === undefined ? partition : `${partition}/vp${vp}`;

/**
 * The ordering rule of serializePerKey, without streams, after the kernel's locks (inventory §d,
 * "Locks"): partition ioctls hold the partition's `pt_mutex`, VP ioctls their VP's `vp_mutex`, and no
 * partition ioctl takes a `vp_mutex`. So each partition has one partition lane and one lane per VP;
 * a lane runs one request at a time, in arrival order, and lanes are independent: a partition
 * operation is never held back by VP operations in flight or waiting (MSHV_RUN_VP sleeps holding only
 * its `vp_mutex`, §c.6, and the partition call that wakes it must be able to run), and a VP
 * operation is not held back by partition operations. When several lanes could start, the request
 * that arrived first starts first. A caller that needs a partition operation finished before a VP
 * operation (a map before a run) waits for its result, as a VMM thread does.
 *
 * @example
 * const lanes = new LaneScheduler(boundedQueue());
 * lanes.admit(req); // undefined, or 'laneFull' / 'waitingFull'
 * for (let r = lanes.nextReady('vm0'); r; r = lanes.nextReady('vm0')) start(r); // later: lanes.finish(r)
 */
export class LaneScheduler<T> {
  readonly #partitions = new Map<string, PartitionState>();
  #seq = 0;
  #waiting = 0;

  constructor(
    readonly queues: BoundedQueue<Waiting<T>>,
    /** Requests held waiting in all lanes together; WAITING_MAX by default. */
    readonly waitingMax: number = WAITING_MAX,
  ) {
    if (!Number.isSafeInteger(waitingMax) || waitingMax < 1)
      throw new RangeError(`waitingMax must be a positive integer, got ${waitingMax}`);
  }

  /** Requests admitted and not yet started, in all lanes. */
  get waiting(): number {
    return this.#waiting;
  }

  /**
   * Queues `req` in its lane; a refusal (nothing kept) when its lane is full, or when it would have
   * to wait (its lane is busy or has requests waiting) while `waitingMax` requests already wait.
   */
  admit(req: OperationRequest<T>): Refusal | undefined {
    const key = laneKey(req.partition, req.vp);
    const state = this.#partitions.get(req.partition);
    if (this.#waiting >= this.waitingMax && state !== undefined && this.#laneTaken(state, key, req.vp))
      return 'waitingFull';
    if (!this.queues.offer(key, { seq: this.#seq, req })) return 'laneFull';
    this.#seq += 1;
    this.#waiting += 1;
    const admitted = state ?? this.#fresh(req.partition);
    if (req.vp !== undefined) admitted.waitingVps.add(req.vp);
    return undefined;
  }

  /** Dequeues and marks running the earliest-arrived request of `partition` whose lane is free. */
  nextReady(partition: string): OperationRequest<T> | undefined {
    const state = this.#partitions.get(partition);
    if (state === undefined) return undefined;
    let pick: number | undefined;
    let pickSeq = Infinity;
    if (!state.partitionBusy) pickSeq = this.queues.peek(partition)?.seq ?? Infinity;
    for (const vp of state.waitingVps) {
      if (state.busyVps.has(vp)) continue;
      const seq = this.queues.peek(laneKey(partition, vp))?.seq ?? Infinity;
      if (seq < pickSeq) [pick, pickSeq] = [vp, seq];
    }
    return pickSeq === Infinity ? undefined : this.#start(state, partition, pick);
  }

  /** Marks `req` finished; a partition with nothing waiting or running leaves no state. */
  finish(req: OperationRequest<T>): void {
    const state = this.#partitions.get(req.partition);
    if (state === undefined) throw new Error(`finish: ${req.partition} has nothing running`);
    const running = req.vp === undefined ? state.partitionBusy : state.busyVps.has(req.vp);
    if (!running) throw new Error(`finish: ${laneKey(req.partition, req.vp)} has nothing running`);
    if (req.vp === undefined) state.partitionBusy = false;
    else state.busyVps.delete(req.vp);
    const empty = state.busyVps.size === 0 && state.waitingVps.size === 0;
    if (empty && !state.partitionBusy && this.queues.size(req.partition) === 0)
      this.#partitions.delete(req.partition);
  }

  /** True when nothing waits and nothing runs: a drained scheduler holds no per-partition state. */
  get idle(): boolean {
    return this.#partitions.size === 0;
  }

  #start(state: PartitionState, partition: string, vp: number | undefined): OperationRequest<T> | undefined {
    const key = laneKey(partition, vp);
    const waiting = this.queues.shift(key);
    if (waiting !== undefined) this.#waiting -= 1;
    if (vp === undefined) state.partitionBusy = true;
    else {
      if (this.queues.size(key) === 0) state.waitingVps.delete(vp);
      state.busyVps.add(vp);
    }
    return waiting?.req;
  }

  /** True when a request for lane `key` could not start now: the lane runs one or has some waiting. */
  #laneTaken(state: PartitionState, key: string, vp: number | undefined): boolean {
    const busy = vp === undefined ? state.partitionBusy : state.busyVps.has(vp);
    return busy || this.queues.size(key) > 0;
  }

  #fresh(partition: string): PartitionState {
    const state: PartitionState = { partitionBusy: false, busyVps: new Set(), waitingVps: new Set() };
    this.#partitions.set(partition, state);
    return state;
  }
}

/**
 * The answer to a request `admit` refused: EAGAIN naming its full lane and the lane limit, or the
 * limit of waiting requests in all lanes.
 *
 * @example
 * const refusal = lanes.admit(req);
 * if (refusal !== undefined) emit(refusedResult(lanes, req, refusal)); // EAGAIN
 */
export function refusedResult<T>(
  lanes: LaneScheduler<T>,
  req: OperationRequest<T>,
  refusal: Refusal,
): OperationResult<T> {
  return refusal === 'laneFull'
    ? queueFull(req, laneKey(req.partition, req.vp), lanes.queues.depthMax)
    : waitingFull(req, lanes.waitingMax);
}
