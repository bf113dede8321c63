import { describe, expect, it } from 'vitest';
import { boundedQueue } from '../../../src/pipeline/ops/boundedQueue.js';
import { LaneScheduler, type Waiting, laneKey } from '../../../src/pipeline/ops/LaneScheduler.js';
import type { OperationRequest } from '../../../src/pipeline/ops/Operation.js';
import { syncReq } from './opsHelpers.js';

const ok = { ok: true as const, value: 0 };
const lanes = (depthMax = 4) => new LaneScheduler<number>(boundedQueue<Waiting<number>>(depthMax));
const drainNow = (s: LaneScheduler<number>, partition: string): OperationRequest<number>[] => {
  const started: OperationRequest<number>[] = [];
  for (let r = s.nextReady(partition); r !== undefined; r = s.nextReady(partition)) started.push(r);
  return started;
};

// Issue 4 "The pipeline"; modelled on inventory §d "Locks" (pt_mutex, vp_mutex) but stricter: a
// partition operation excludes VP operations of its partition.
describe('LaneScheduler (inventory §d Locks)', () => {
  it('names lanes partition and partition/vpN', () => {
    expect([laneKey('vm0', undefined), laneKey('vm0', 3)]).toEqual(['vm0', 'vm0/vp3']);
  });

  it('starts VP operations on different VPs together and holds a partition operation until both finish', () => {
    const s = lanes();
    const [v0, v1, p] = [syncReq(1, 'vm0', ok, 0), syncReq(2, 'vm0', ok, 1), syncReq(3, 'vm0', ok)];
    expect([v0, v1, p].map((r) => s.admit(r))).toEqual([true, true, true]);
    expect(drainNow(s, 'vm0')).toEqual([v0, v1]);
    s.finish(v0);
    expect(s.nextReady('vm0')).toBeUndefined();
    s.finish(v1);
    expect(drainNow(s, 'vm0')).toEqual([p]);
  });

  it('starts the earliest ready VP lane first, not the first lane created', () => {
    const s = lanes();
    const [a, b, c] = [syncReq(1, 'vm0', ok, 0), syncReq(2, 'vm0', ok, 0), syncReq(3, 'vm0', ok, 1)];
    expect([a, b, c].map((r) => s.admit(r))).toEqual([true, true, true]);
    expect(s.nextReady('vm0')).toBe(a);
    s.finish(a);
    const d = syncReq(4, 'vm0', ok, 2);
    s.admit(d);
    expect(drainNow(s, 'vm0')).toEqual([b, c, d]);
  });

  it('leaves no state once everything has finished, and refuses a full lane without keeping it', () => {
    const s = lanes(1);
    const [a, b] = [syncReq(1, 'vm0', ok, 0), syncReq(2, 'vm0', ok, 0)];
    s.admit(a);
    s.nextReady('vm0');
    expect(s.admit(b)).toBe(true);
    expect(s.admit(syncReq(3, 'vm0', ok, 0))).toBe(false);
    s.finish(a);
    expect(s.nextReady('vm0')).toBe(b);
    s.finish(b);
    expect(s.idle).toBe(true);
    expect(s.queues.keyCount).toBe(0);
    expect(s.nextReady('vm0')).toBeUndefined();
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
