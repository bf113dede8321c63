import type { BoundedQueue } from './boundedQueue.js';
import type { OperationRequest } from './Operation.js';

/** A request waiting in a lane, stamped with its arrival order. */
export interface Waiting<T> {
  readonly seq: number;
  readonly req: OperationRequest<T>;
}

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
 * The ordering rule of serializePerKey, without streams: a request starts once every earlier
 * request of its partition that it conflicts with has finished. Partition operations conflict with
 * everything in their partition; VP operations conflict with partition operations and with
 * operations on the same VP. So VPs overlap, a partition operation excludes them, and a VP request
 * arriving after a waiting partition request waits for it (no overtaking, no starvation).
 *
 * @example
 * const lanes = new LaneScheduler(boundedQueue());
 * lanes.admit(req); // false when its lane is full
 * for (let r = lanes.nextReady('vm0'); r; r = lanes.nextReady('vm0')) start(r); // later: lanes.finish(r)
 */
export class LaneScheduler<T> {
  readonly #partitions = new Map<string, PartitionState>();
  #seq = 0;

  constructor(readonly queues: BoundedQueue<Waiting<T>>) {}

  /** Queues `req` in its lane; false (nothing kept) when the lane is full. */
  admit(req: OperationRequest<T>): boolean {
    if (!this.queues.offer(laneKey(req.partition, req.vp), { seq: this.#seq, req })) return false;
    this.#seq += 1;
    const state = this.#partitions.get(req.partition) ?? this.#fresh(req.partition);
    if (req.vp !== undefined) state.waitingVps.add(req.vp);
    return true;
  }

  /** Dequeues and marks running the earliest request of `partition` that may start now. */
  nextReady(partition: string): OperationRequest<T> | undefined {
    const state = this.#partitions.get(partition);
    if (state === undefined || state.partitionBusy) return undefined;
    const head = this.queues.peek(partition);
    let pick: number | undefined;
    let pickSeq = head?.seq ?? Infinity;
    let firstVpSeq = Infinity;
    for (const vp of state.waitingVps) {
      const seq = this.queues.peek(laneKey(partition, vp))?.seq ?? Infinity;
      firstVpSeq = Math.min(firstVpSeq, seq);
      if (!state.busyVps.has(vp) && seq < pickSeq) [pick, pickSeq] = [vp, seq];
    }
    if (pick !== undefined) return this.#start(state, partition, pick);
    if (head !== undefined && state.busyVps.size === 0 && head.seq < firstVpSeq)
      return this.#start(state, partition, undefined);
    return undefined;
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
    if (vp === undefined) state.partitionBusy = true;
    else {
      if (this.queues.size(key) === 0) state.waitingVps.delete(vp);
      state.busyVps.add(vp);
    }
    return waiting?.req;
  }

  #fresh(partition: string): PartitionState {
    const state: PartitionState = { partitionBusy: false, busyVps: new Set(), waitingVps: new Set() };
    this.#partitions.set(partition, state);
    return state;
  }
}
