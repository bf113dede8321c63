import { from, lastValueFrom, of, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { queueFull } from '../../../src/pipeline/ops/boundedQueue.js';
import type { OperationOutcome, OperationRequest } from '../../../src/pipeline/ops/Operation.js';
import { operationError, resultOf } from '../../../src/pipeline/ops/Operation.js';
import { runOperations, runOperationsSync } from '../../../src/pipeline/ops/runOperations.js';
import { done, slow, type StartLog, syncReq, testScheduler } from './opsHelpers.js';

/** Lets settled promises deliver (a fixed number of microtask turns; no timers). */
const microtasks = async (): Promise<void> => {
  for (let i = 0; i < 4; i++) await Promise.resolve();
};

const eperm = operationError(
  'MSHV_ROOT_HVCALL',
  'EPERM',
  'another async SET_PARTITION_PROPERTY is in progress',
);

// Issue 4, "The pipeline": the operation stream in front of the driver routines.
describe('runOperations (issue 4 "The pipeline")', () => {
  it('composes ordering, errors as values and bounded queues, and records the high-water marks', () => {
    const scheduler = testScheduler();
    const starts: StartLog = new Map();
    const highWater = new Map<string, number>();
    scheduler.run(({ cold, expectObservable }) => {
      const a = slow(scheduler, starts, { id: 1, partition: 'vm0', vp: 0, frames: 4 });
      const b = slow(scheduler, starts, { id: 2, partition: 'vm0', vp: 0, frames: 1 });
      const c = slow(scheduler, starts, { id: 3, partition: 'vm0', vp: 0, frames: 1 });
      const e = syncReq<number>(4, 'vm1', { ok: false, error: eperm });
      const source = cold('abce|', { a, b, c, e });
      expectObservable(runOperations(source, { depthMax: 1, highWater })).toBe('--Cea(b|)', {
        a: done(a),
        b: done(b),
        C: queueFull(c, 'vm0/vp0', 1),
        e: resultOf(e, { ok: false, error: eperm }),
      });
    });
    expect(highWater).toEqual(
      new Map([
        ['vm0/vp0', 1],
        ['vm1', 1],
      ]),
    );
  });

  it('keeps per-partition order with Promise routines that settle out of order', async () => {
    const log: string[] = [];
    const gates: ((o: OperationOutcome<string>) => void)[] = [];
    const deferred = (id: number, partition: string): OperationRequest<string> => ({
      id,
      partition,
      name: 'MSHV_SET_GUEST_MEMORY',
      run: () => {
        log.push(`start ${id}`);
        return new Promise<OperationOutcome<string>>((resolve) => gates.push(resolve));
      },
    });
    const all = lastValueFrom(
      runOperations(from([deferred(1, 'vm0'), deferred(2, 'vm0'), deferred(3, 'vm1')])).pipe(toArray()),
    );
    expect(log).toEqual(['start 1', 'start 3']); // 2 waits for 1; vm1 does not
    gates[1]!({ ok: true, value: 'vm1 first' });
    await microtasks();
    expect(log).toEqual(['start 1', 'start 3']);
    gates[0]!({ ok: true, value: 'then vm0' });
    await microtasks();
    expect(log).toEqual(['start 1', 'start 3', 'start 2']);
    gates[2]!({ ok: true, value: 'last' });
    expect((await all).map((r) => r.id)).toEqual([3, 1, 2]);
  });
});

describe('runOperationsSync (issue 4 "The pipeline")', () => {
  it('answers synchronous routines in request order', () => {
    const reqs = [
      syncReq(1, 'vm0', { ok: true, value: 'a' }),
      syncReq(2, 'vm0', { ok: false, error: eperm }, 1),
    ];
    expect(runOperationsSync(reqs)).toEqual([
      resultOf(reqs[0]!, { ok: true, value: 'a' }),
      resultOf(reqs[1]!, { ok: false, error: eperm }),
    ]);
  });

  it('answers a malformed request with an id in place with EINVAL, and runs the rest (design.md principle 5)', () => {
    const bad = syncReq(2, 'vm0', { ok: true, value: 'never' }, 256);
    const reqs = [
      syncReq(1, 'vm0', { ok: true, value: 'a' }, 0),
      bad,
      syncReq(3, 'vm0', { ok: true, value: 'c' }),
    ];
    const results = runOperationsSync(reqs);
    expect(results.map((r) => [r.id, r.ok ? r.value : r.error.errnoName])).toEqual([
      [1, 'a'],
      [2, 'EINVAL'],
      [3, 'c'],
    ]);
    expect(!results[1]!.ok && results[1]!.error.message).toBe(
      'operation #2 (MSHV_CREATE_VP): vp must be an integer in [0, 256) (MSHV_MAX_VPS)',
    );
    expect(() => runOperationsSync([{ ...bad, id: -1 }])).toThrow(TypeError);
  });

  it('throws when a routine is not synchronous, naming the operation', () => {
    const promised: OperationRequest<number> = {
      id: 5,
      partition: 'vm0',
      name: 'MSHV_RUN_VP',
      run: () => Promise.resolve({ ok: true, value: 0 }),
    };
    expect(() => runOperationsSync([promised])).toThrow(
      'operation #5 (MSHV_RUN_VP): runOperationsSync needs a synchronous routine, run returned a Promise',
    );
    const observed = { ...promised, run: () => of<OperationOutcome<number>>({ ok: true, value: 0 }) };
    expect(() => runOperationsSync([observed])).toThrow(/run returned an Observable/);
  });

  it('lets an exception from a routine propagate and runs nothing after it', () => {
    const ran: number[] = [];
    const req = (id: number, fail: boolean): OperationRequest<number> => ({
      id,
      partition: 'vm0',
      name: 'MSHV_CREATE_VP',
      run: () => {
        ran.push(id);
        if (fail) throw new Error(`bug in ${id}`);
        return { ok: true, value: id };
      },
    });
    expect(() => runOperationsSync([req(1, false), req(2, true), req(3, false)])).toThrow('bug in 2');
    expect(ran).toEqual([1, 2]);
  });
});
