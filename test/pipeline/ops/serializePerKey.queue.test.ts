import { from } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { QUEUE_DEPTH_MAX, queueFull } from '../../../src/pipeline/ops/boundedQueue.js';
import type { OperationResult } from '../../../src/pipeline/ops/Operation.js';
import { serializePerKey } from '../../../src/pipeline/ops/serializePerKey.js';
import { toOperationResult } from '../../../src/pipeline/ops/toOperationResult.js';
import { done, slow, type StartLog, testScheduler } from './opsHelpers.js';

// Issue 4, "The pipeline": bounded queues with a documented high-water mark; design.md principle 5:
// bad input leaves no state behind.
describe('serializePerKey: bounded queues (issue 4 "The pipeline")', () => {
  it('answers a request to a full lane at once with EAGAIN, keeps nothing of it, accepts again after draining', () => {
    const scheduler = testScheduler();
    const starts: StartLog = new Map();
    const highWater = new Map<string, number>();
    scheduler.run(({ cold, expectObservable }) => {
      const frames = { a: 10, b: 1, c: 1, d: 1, e: 10, f: 1, g: 1, h: 1 };
      const r = Object.fromEntries(
        Object.entries(frames).map(([k, n], i) => [
          k,
          slow(scheduler, starts, { id: i + 1, partition: 'vm0', frames: n }),
        ]),
      ) as Record<keyof typeof frames, ReturnType<typeof slow>>;
      const source = cold('abcd 9ms efgh|', r);
      const out = source.pipe(serializePerKey(toOperationResult, { depthMax: 2, highWater }));
      expectObservable(out).toBe('3ms D 6ms a b c 3ms H 6ms e f (g|)', {
        a: done(r.a),
        b: done(r.b),
        c: done(r.c),
        D: queueFull(r.d, 'vm0', 2),
        e: done(r.e),
        f: done(r.f),
        g: done(r.g),
        H: queueFull(r.h, 'vm0', 2),
      });
    });
    expect(starts.has(4)).toBe(false); // d never ran
    expect(starts.has(8)).toBe(false); // h never ran
    expect(highWater).toEqual(new Map([['vm0', 2]]));
  });

  it('names the queue and the limit in the EAGAIN error', () => {
    const scheduler = testScheduler();
    const vp = slow(scheduler, new Map(), { id: 9, partition: 'vm0', vp: 3, frames: 1 });
    const result = queueFull(vp, 'vm0/vp3', QUEUE_DEPTH_MAX);
    expect(result).toMatchObject({ id: 9, partition: 'vm0', vp: 3, name: 'MSHV_RUN_VP', ok: false });
    expect(!result.ok && result.error).toMatchObject({ errno: 11, errnoName: 'EAGAIN', op: 'MSHV_RUN_VP' });
    expect(!result.ok && result.error.message).toBe('queue vm0/vp3 is full: limit 64 waiting requests');
  });

  it('holds QUEUE_DEPTH_MAX waiting requests per lane; the next one is refused, other lanes are not', () => {
    const scheduler = testScheduler();
    const highWater = new Map<string, number>();
    const results: OperationResult<number>[] = [];
    scheduler.run(() => {
      const lane = Array.from({ length: QUEUE_DEPTH_MAX + 2 }, (_, i) =>
        slow(scheduler, new Map(), { id: i, partition: 'vm0', vp: 0, frames: 1 }),
      );
      const other = slow(scheduler, new Map(), { id: 1000, partition: 'vm0', vp: 1, frames: 1 });
      from([...lane, other])
        .pipe(serializePerKey(toOperationResult, { highWater }))
        .subscribe((r) => results.push(r));
    });
    // id 0 runs, ids 1..64 wait, id 65 is refused at once; vp1's lane is a different queue.
    expect(results[0]).toMatchObject({ id: QUEUE_DEPTH_MAX + 1, ok: false, error: { errnoName: 'EAGAIN' } });
    expect(results.slice(1).map((r) => [r.id, r.ok])).toEqual([
      [0, true],
      [1000, true],
      ...Array.from({ length: QUEUE_DEPTH_MAX }, (_, i) => [i + 1, true]),
    ]);
    expect(highWater).toEqual(
      new Map([
        ['vm0/vp0', QUEUE_DEPTH_MAX],
        ['vm0/vp1', 1],
      ]),
    );
  });
});
