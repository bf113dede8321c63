import { describe, expect, it } from 'vitest';
import { serializePerKey } from '../../../src/pipeline/ops/serializePerKey.js';
import { toOperationResult } from '../../../src/pipeline/ops/toOperationResult.js';
import { done, slow, type StartLog, testScheduler } from './opsHelpers.js';

// Issue 4, "The pipeline": one operation at a time per partition, per VP for VP operations,
// partitions independent; after inventory §d "Locks" (pt_mutex, vp_mutex), stricter for partition ops.
describe('serializePerKey: ordering (issue 4 "The pipeline", inventory §d Locks)', () => {
  it('runs one partition operation at a time in arrival order, with delayed routines', () => {
    const scheduler = testScheduler();
    const starts: StartLog = new Map();
    scheduler.run(({ cold, expectObservable }) => {
      const [a, b, c] = [1, 2, 3].map((id) => slow(scheduler, starts, { id, partition: 'vm0', frames: 4 }));
      const source = cold('abc|', { a: a!, b: b!, c: c! });
      expectObservable(source.pipe(serializePerKey(toOperationResult))).toBe('4ms a 3ms b 3ms (c|)', {
        a: done(a!),
        b: done(b!),
        c: done(c!),
      });
    });
    expect([...starts]).toEqual([
      [1, 0],
      [2, 4],
      [3, 8],
    ]);
  });

  it('keeps partitions independent: a slow operation on vm0 does not delay vm1', () => {
    const scheduler = testScheduler();
    const starts: StartLog = new Map();
    scheduler.run(({ cold, expectObservable }) => {
      const a = slow(scheduler, starts, { id: 1, partition: 'vm0', frames: 10 });
      const b = slow(scheduler, starts, { id: 2, partition: 'vm1', frames: 2 });
      const source = cold('ab|', { a, b });
      expectObservable(source.pipe(serializePerKey(toOperationResult))).toBe('3ms b 6ms (a|)', {
        a: done(a),
        b: done(b),
      });
    });
    expect(starts.get(2)).toBe(1);
  });

  it('overlaps VP operations on different VPs; a partition operation waits for them and excludes them', () => {
    const scheduler = testScheduler();
    const starts: StartLog = new Map();
    scheduler.run(({ cold, expectObservable }) => {
      const x = slow(scheduler, starts, { id: 1, partition: 'vm0', vp: 0, frames: 5 });
      const y = slow(scheduler, starts, { id: 2, partition: 'vm0', vp: 1, frames: 5 });
      const p = slow(scheduler, starts, { id: 3, partition: 'vm0', frames: 5 });
      const z = slow(scheduler, starts, { id: 4, partition: 'vm0', vp: 0, frames: 2 });
      const source = cold('(xy) p - z |', { x, y, p, z });
      expectObservable(source.pipe(serializePerKey(toOperationResult))).toBe('5ms (xy) - p - (z|)', {
        x: done(x),
        y: done(y),
        p: done(p),
        z: done(z),
      });
    });
    // x and y overlap (both start at 0); p starts when both are done; z (arrived at 6) waits for p.
    expect([...starts]).toEqual([
      [1, 0],
      [2, 0],
      [3, 5],
      [4, 10],
    ]);
  });

  it('does not let a VP operation overtake a partition operation that arrived before it', () => {
    const scheduler = testScheduler();
    const starts: StartLog = new Map();
    scheduler.run(({ cold, expectObservable }) => {
      const x = slow(scheduler, starts, { id: 1, partition: 'vm0', vp: 0, frames: 5 });
      const p = slow(scheduler, starts, { id: 2, partition: 'vm0', frames: 3 });
      const y = slow(scheduler, starts, { id: 3, partition: 'vm0', vp: 1, frames: 1 });
      const source = cold('xpy|', { x, p, y });
      expectObservable(source.pipe(serializePerKey(toOperationResult))).toBe('5ms x 2ms p (y|)', {
        x: done(x),
        p: done(p),
        y: done(y),
      });
    });
    expect(starts.get(3)).toBe(8);
  });

  it('orders VP operations per (partition, VP) while other VPs and partitions proceed', () => {
    const scheduler = testScheduler();
    const starts: StartLog = new Map();
    scheduler.run(({ cold, expectObservable }) => {
      const a = slow(scheduler, starts, { id: 1, partition: 'vm0', vp: 2, frames: 4 });
      const b = slow(scheduler, starts, { id: 2, partition: 'vm0', vp: 2, frames: 1 });
      const c = slow(scheduler, starts, { id: 3, partition: 'vm0', vp: 3, frames: 1 });
      const d = slow(scheduler, starts, { id: 4, partition: 'vm1', vp: 2, frames: 3 });
      const source = cold('abcd|', { a, b, c, d });
      expectObservable(source.pipe(serializePerKey(toOperationResult))).toBe('3ms c a b (d|)', {
        a: done(a),
        b: done(b),
        c: done(c),
        d: done(d),
      });
    });
  });
});
