import { NEVER, Subject, from } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { QUEUE_DEPTH_MAX, boundedQueue, queueFull } from '../../../src/pipeline/ops/boundedQueue.js';
import type { OperationRequest, OperationResult } from '../../../src/pipeline/ops/Operation.js';
import { serializePerKey } from '../../../src/pipeline/ops/serializePerKey.js';
import { toOperationResult } from '../../../src/pipeline/ops/toOperationResult.js';
import { done, slow, type StartLog, testScheduler } from './opsHelpers.js';

// Issue 4, "The pipeline": bounded queues with a documented high-water mark; design.md principle 5:
// everything bounded, bad input leaves no state behind; inventory §c.5: MSHV_MAX_VPS = 256.
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

  it('refuses vp >= 256 (MSHV_MAX_VPS, inventory §c.5) with EINVAL, so one partition holds at most 257 × 64 waiting requests', () => {
    const highWater = new Map<string, number>();
    const answers = new Map<string, number>();
    const source = new Subject<OperationRequest<number>>();
    source.pipe(serializePerKey(toOperationResult, { highWater })).subscribe((r) => {
      const key = r.ok ? 'ok' : r.error.errnoName;
      answers.set(key, (answers.get(key) ?? 0) + 1);
    });
    let id = 0;
    // Operations that never finish hold every lane: the waiting requests pile up behind them.
    const hold = (vp?: number): OperationRequest<number> => ({
      id: id++,
      partition: 'vm0',
      ...(vp === undefined ? {} : { vp }),
      name: vp === undefined ? 'MSHV_SET_GUEST_MEMORY' : 'MSHV_RUN_VP',
      run: () => NEVER,
    });
    for (let vp = -1; vp < 300; vp++)
      for (let k = 0; k <= QUEUE_DEPTH_MAX + 1; k++) source.next(hold(vp < 0 ? undefined : vp));
    const held = [...highWater.values()].reduce((a, b) => a + b, 0);
    expect(highWater.size).toBe(257);
    expect(held).toBe(257 * QUEUE_DEPTH_MAX);
    expect(answers).toEqual(
      new Map([
        ['EAGAIN', 257], // one per lane: the 66th request, behind 1 running and 64 waiting
        ['EINVAL', 44 * (QUEUE_DEPTH_MAX + 2)], // vp 256..299
      ]),
    );
  });

  it('answers EAGAIN once waitingMax requests wait in all lanes together, whatever the partitions', () => {
    const scheduler = testScheduler();
    const results: OperationResult<number>[] = [];
    scheduler.run(() => {
      const reqs = ['vm0', 'vm1', 'vm2', 'vm3'].flatMap((partition, i) => [
        slow(scheduler, new Map(), { id: 2 * i, partition, frames: 5 }),
        slow(scheduler, new Map(), { id: 2 * i + 1, partition, frames: 1 }),
      ]);
      from(reqs)
        .pipe(serializePerKey(toOperationResult, { waitingMax: 3 }))
        .subscribe((r) => results.push(r));
    });
    // Each partition's first request runs at once; the second waits: three wait, the fourth is refused.
    expect(results[0]).toMatchObject({
      id: 7,
      ok: false,
      error: {
        errnoName: 'EAGAIN',
        message: 'all lanes together hold the limit of 3 waiting requests (waitingMax)',
      },
    });
    expect(results.slice(1).every((r) => r.ok)).toBe(true);
    expect(results).toHaveLength(8);
  });

  it('keeps no high-water marks without a map (a long-lived stream holds nothing per lane after draining)', () => {
    const queues = boundedQueue<number>(4);
    queues.offer('vm0', 1);
    queues.shift('vm0');
    expect(queues.highWater.size).toBe(0);
    expect(queues.keyCount).toBe(0);
  });
});
