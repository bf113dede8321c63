import { describe, expect, it } from 'vitest';
import { QUEUE_DEPTH_MAX, boundedQueue } from '../../../src/pipeline/ops/boundedQueue.js';
import {
  LaneScheduler,
  WAITING_MAX,
  type Waiting,
  laneKey,
  refusedResult,
} from '../../../src/pipeline/ops/LaneScheduler.js';
import type { OperationRequest } from '../../../src/pipeline/ops/Operation.js';
import { syncReq } from './opsHelpers.js';

const ok = { ok: true as const, value: 0 };
const lanes = (depthMax = 4, waitingMax?: number) =>
  new LaneScheduler<number>(boundedQueue<Waiting<number>>(depthMax), waitingMax);
const drainNow = (s: LaneScheduler<number>, partition: string): OperationRequest<number>[] => {
  const started: OperationRequest<number>[] = [];
  for (let r = s.nextReady(partition); r !== undefined; r = s.nextReady(partition)) started.push(r);
  return started;
};

// Issue 4 "The pipeline"; inventory §d "Locks": partition ioctls take pt_mutex, VP ioctls vp_mutex,
// and no partition ioctl takes a vp_mutex (§c.6: MSHV_RUN_VP sleeps holding only its vp_mutex).
describe('LaneScheduler (inventory §d Locks)', () => {
  it('names lanes partition and partition/vpN', () => {
    expect([laneKey('vm0', undefined), laneKey('vm0', 3)]).toEqual(['vm0', 'vm0/vp3']);
  });

  it('starts a partition operation while VP operations of its partition are in flight (pt_mutex, not vp_mutex)', () => {
    const s = lanes();
    const [v0, v1, p] = [syncReq(1, 'vm0', ok, 0), syncReq(2, 'vm0', ok, 1), syncReq(3, 'vm0', ok)];
    expect([v0, v1, p].map((r) => s.admit(r))).toEqual([undefined, undefined, undefined]);
    expect(drainNow(s, 'vm0')).toEqual([v0, v1, p]);
  });

  it('starts a VP operation while a partition operation is in flight, and keeps each lane in order', () => {
    const s = lanes();
    const [p1, v, p2, w] = [
      syncReq(1, 'vm0', ok),
      syncReq(2, 'vm0', ok, 0),
      syncReq(3, 'vm0', ok),
      syncReq(4, 'vm0', ok, 0),
    ];
    for (const r of [p1, v, p2, w]) s.admit(r);
    expect(drainNow(s, 'vm0')).toEqual([p1, v]);
    s.finish(v);
    expect(drainNow(s, 'vm0')).toEqual([w]); // vp0's lane moves on; the partition lane still runs p1
    s.finish(p1);
    expect(drainNow(s, 'vm0')).toEqual([p2]);
  });

  it('starts the earliest-arrived request among the free lanes first, not the first lane created', () => {
    const s = lanes();
    const [a, b, c] = [syncReq(1, 'vm0', ok, 0), syncReq(2, 'vm0', ok, 0), syncReq(3, 'vm0', ok, 1)];
    expect([a, b, c].map((r) => s.admit(r))).toEqual([undefined, undefined, undefined]);
    expect(s.nextReady('vm0')).toBe(a);
    s.finish(a);
    const d = syncReq(4, 'vm0', ok, 2);
    const p = syncReq(5, 'vm0', ok);
    s.admit(d);
    s.admit(p);
    expect(drainNow(s, 'vm0')).toEqual([b, c, d, p]);
  });

  it('leaves no state once everything has finished, and refuses a full lane without keeping it', () => {
    const s = lanes(1);
    const [a, b] = [syncReq(1, 'vm0', ok, 0), syncReq(2, 'vm0', ok, 0)];
    s.admit(a);
    s.nextReady('vm0');
    expect(s.admit(b)).toBeUndefined();
    expect(s.admit(syncReq(3, 'vm0', ok, 0))).toBe('laneFull');
    expect(s.waiting).toBe(1);
    s.finish(a);
    expect(s.nextReady('vm0')).toBe(b);
    s.finish(b);
    expect(s.idle).toBe(true);
    expect(s.waiting).toBe(0);
    expect(s.queues.keyCount).toBe(0);
    expect(s.nextReady('vm0')).toBeUndefined();
  });

  it('caps the requests waiting in all lanes together at waitingMax, over every partition (design.md principle 5)', () => {
    expect(WAITING_MAX).toBe(257 * QUEUE_DEPTH_MAX); // one partition with every lane full (§c.5: 256 VPs)
    const s = lanes(4, 3);
    const running = syncReq(0, 'vm0', ok);
    s.admit(running);
    expect(s.nextReady('vm0')).toBe(running);
    const waiting = [syncReq(1, 'vm0', ok), syncReq(2, 'vm1', ok, 5), syncReq(3, 'vm2', ok)];
    expect(waiting.map((r) => s.admit(r))).toEqual([undefined, undefined, undefined]);
    // The lane of vm0 has room (depth 4), but three requests already wait in all lanes.
    const refused = syncReq(4, 'vm0', ok);
    expect(s.admit(refused)).toBe('waitingFull');
    expect(s.waiting).toBe(3);
    expect(refusedResult(s, refused, 'waitingFull')).toMatchObject({
      id: 4,
      ok: false,
      error: {
        errnoName: 'EAGAIN',
        message: 'all lanes together hold the limit of 3 waiting requests (waitingMax)',
      },
    });
    expect(refusedResult(s, refused, 'laneFull')).toMatchObject({
      error: { errnoName: 'EAGAIN', message: 'queue vm0 is full: limit 4 waiting requests' },
    });
    expect(drainNow(s, 'vm1')).toEqual([waiting[1]]);
    expect(s.admit(refused)).toBeUndefined();
    expect(() => lanes(4, 0)).toThrow(/waitingMax must be a positive integer, got 0/);
  });

  it('throws when an operation that is not running is finished (a broken invariant)', () => {
    const s = lanes();
    const v = syncReq(1, 'vm0', ok, 0);
    expect(() => {
      s.finish(v);
    }).toThrow(/vm0 has nothing running/);
    s.admit(v);
    s.admit(syncReq(2, 'vm0', ok, 1));
    s.nextReady('vm0');
    s.finish(v);
    expect(() => {
      s.finish(v);
    }).toThrow(/vm0\/vp0 has nothing running/);
  });
});
