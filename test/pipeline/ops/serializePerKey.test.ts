import { from, lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { OperationRequest } from '../../../src/pipeline/ops/Operation.js';
import { runOperations } from '../../../src/pipeline/ops/runOperations.js';
import { serializePerKey } from '../../../src/pipeline/ops/serializePerKey.js';
import { toOperationResult } from '../../../src/pipeline/ops/toOperationResult.js';
import { done, slow, type StartLog, testScheduler } from './opsHelpers.js';

// Issue 4, "The pipeline": one operation at a time per lane, a partition's lane (pt_mutex) and one
// per VP (vp_mutex), lanes and partitions independent; inventory §d "Locks", §c.6.
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

  it('overlaps VP operations on different VPs and a partition operation with them (inventory §d Locks)', () => {
    const scheduler = testScheduler();
    const starts: StartLog = new Map();
    const ends: [number, number][] = [];
    scheduler.run(({ cold }) => {
      const x = slow(scheduler, starts, { id: 1, partition: 'vm0', vp: 0, frames: 5 });
      const y = slow(scheduler, starts, { id: 2, partition: 'vm0', vp: 1, frames: 5 });
      const p = slow(scheduler, starts, { id: 3, partition: 'vm0', frames: 5 });
      const z = slow(scheduler, starts, { id: 4, partition: 'vm0', vp: 0, frames: 2 });
      cold('(xy) p - z |', { x, y, p, z })
        .pipe(serializePerKey(toOperationResult))
        .subscribe((r) => ends.push([r.id, scheduler.now()]));
    });
    // x and y overlap (both start at 0); p starts as it arrives (4) while they run; z (arrived at 6)
    // starts at once too, x, the earlier operation of its own lane, having ended at 5.
    expect([...starts]).toEqual([
      [1, 0],
      [2, 0],
      [3, 4],
      [4, 6],
    ]);
    expect(ends).toEqual([
      [1, 5],
      [2, 5],
      [4, 8],
      [3, 9],
    ]);
  });

  it('lets a VP operation start while an earlier partition operation runs; each lane keeps its order', () => {
    const scheduler = testScheduler();
    const starts: StartLog = new Map();
    const ends: [number, number][] = [];
    scheduler.run(({ cold }) => {
      const x = slow(scheduler, starts, { id: 1, partition: 'vm0', vp: 0, frames: 5 });
      const p = slow(scheduler, starts, { id: 2, partition: 'vm0', frames: 3 });
      const q = slow(scheduler, starts, { id: 3, partition: 'vm0', frames: 1 });
      const y = slow(scheduler, starts, { id: 4, partition: 'vm0', vp: 1, frames: 1 });
      cold('xpqy|', { x, p, q, y })
        .pipe(serializePerKey(toOperationResult))
        .subscribe((r) => ends.push([r.id, scheduler.now()]));
    });
    // p does not wait for x (vp0 in flight); q waits for p (same lane); y starts as it arrives.
    expect([...starts]).toEqual([
      [1, 0],
      [2, 1],
      [4, 3],
      [3, 4],
    ]);
    expect(ends).toEqual([
      [2, 4],
      [4, 4],
      [1, 5],
      [3, 5],
    ]);
  });

  it('runs the partition call that wakes a sleeping MSHV_RUN_VP: no deadlock (inventory §d Locks, §c.6)', async () => {
    let wake: (() => void) | undefined;
    const log: string[] = [];
    const runVp: OperationRequest<string> = {
      id: 1,
      partition: 'vm0',
      vp: 0,
      name: 'MSHV_RUN_VP',
      run: () =>
        new Promise((resolve) => {
          log.push('run_vp sleeping');
          wake = () => {
            resolve({ ok: true, value: 'intercept' });
          };
        }),
    };
    // MSHV_ROOT_HVCALL(ASSERT_VIRTUAL_INTERRUPT, 0x94) on the partition fd (inventory §b.4 allow-list).
    const assertIrq: OperationRequest<string> = {
      id: 2,
      partition: 'vm0',
      name: 'MSHV_ROOT_HVCALL',
      run: () => {
        log.push('assert interrupt');
        wake?.();
        return { ok: true, value: 'asserted' };
      },
    };
    // A later run of the same VP waits for the first (vp_mutex) and then runs.
    const rerun: OperationRequest<string> = { ...runVp, id: 3, run: () => ({ ok: true, value: 'again' }) };
    const all = lastValueFrom(runOperations(from([runVp, assertIrq, rerun])).pipe(toArray()));
    // The assert ran at once, while the run slept: nothing waits for the other's mutex.
    expect(log).toEqual(['run_vp sleeping', 'assert interrupt']);
    const results = await all;
    expect(results.map((r) => (r.ok ? r.value : r.error.errnoName))).toEqual([
      'asserted',
      'intercept',
      'again',
    ]);
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
