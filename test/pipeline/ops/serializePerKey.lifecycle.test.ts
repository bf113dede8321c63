import { NEVER, Subject, firstValueFrom, map, take } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type {
  OperationError,
  OperationOutcome,
  OperationRequest,
} from '../../../src/pipeline/ops/Operation.js';
import { resultOf } from '../../../src/pipeline/ops/Operation.js';
import { serializePerKey } from '../../../src/pipeline/ops/serializePerKey.js';
import { toOperationResult } from '../../../src/pipeline/ops/toOperationResult.js';
import { done, slow, type StartLog, syncReq, testScheduler } from './opsHelpers.js';

// design.md principle 4: operating errors are values, broken invariants throw.
const enomem: OperationError = {
  errno: 12,
  errnoName: 'ENOMEM',
  hvStatus: 0x0b,
  hvStatusName: 'INSUFFICIENT_MEMORY',
  hypercall: 'CREATE_VP',
  op: 'MSHV_CREATE_VP',
  message: 'CREATE_VP failed: HV_STATUS_INSUFFICIENT_MEMORY',
};

describe('serializePerKey: errors and completion (design.md principle 4)', () => {
  it('passes an operating error through as a value and runs the next operation of the partition', () => {
    const scheduler = testScheduler();
    const starts: StartLog = new Map();
    scheduler.run(({ cold, expectObservable }) => {
      const e: OperationRequest<number> = {
        id: 1,
        partition: 'vm0',
        name: 'MSHV_CREATE_VP',
        run: () => cold('--(o|)', { o: { ok: false, error: enomem } as OperationOutcome<number> }),
      };
      const b = slow(scheduler, starts, { id: 2, partition: 'vm0', frames: 1 });
      expectObservable(cold('eb|', { e, b }).pipe(serializePerKey(toOperationResult))).toBe('--e(b|)', {
        e: resultOf(e, { ok: false, error: enomem }),
        b: done(b),
      });
    });
    expect(starts.get(2)).toBe(2);
  });

  it('errors the stream when a routine throws, and starts nothing after it', () => {
    const scheduler = testScheduler();
    const starts: StartLog = new Map();
    const bug = new Error('invariant: VP slot already filled');
    scheduler.run(({ cold, expectObservable }) => {
      const a = slow(scheduler, starts, { id: 1, partition: 'vm0', frames: 2 });
      const t: OperationRequest<number> = {
        id: 2,
        partition: 'vm0',
        name: 'MSHV_CREATE_VP',
        run: () => {
          throw bug;
        },
      };
      const c = slow(scheduler, starts, { id: 3, partition: 'vm0', frames: 1 });
      const out = cold('atc|', { a, t, c }).pipe(serializePerKey(toOperationResult));
      expectObservable(out).toBe('--(a#)', { a: done(a) }, bug);
    });
    expect(starts.has(3)).toBe(false);
  });

  it('errors the stream when an asynchronous routine errors, and unsubscribes the other routines', () => {
    const scheduler = testScheduler();
    const bug = new Error('invariant broken');
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const other = cold<OperationOutcome<number>>('-----(o|)', { o: { ok: true, value: 0 } });
      const failing = cold<OperationOutcome<number>>('---#', {}, bug);
      const reqs = {
        o: { id: 1, partition: 'vm1', name: 'MSHV_RUN_VP', vp: 0, run: () => other },
        f: { id: 2, partition: 'vm0', name: 'MSHV_SET_GUEST_MEMORY', run: () => failing },
      };
      expectObservable(cold('of|', reqs).pipe(serializePerKey(toOperationResult))).toBe('----#', {}, bug);
      expectSubscriptions(other.subscriptions).toBe('^---!');
    });
  });

  it('completes only after every accepted operation has finished', () => {
    const scheduler = testScheduler();
    scheduler.run(({ cold, expectObservable }) => {
      const a = slow(scheduler, new Map(), { id: 1, partition: 'vm0', frames: 6 });
      const b = slow(scheduler, new Map(), { id: 2, partition: 'vm1', frames: 3 });
      expectObservable(cold('ab|', { a, b }).pipe(serializePerKey(toOperationResult))).toBe('4ms b - (a|)', {
        a: done(a),
        b: done(b),
      });
    });
  });

  it('completes at once on an empty source, never on a source that never completes', () => {
    const scheduler = testScheduler();
    scheduler.run(({ cold, expectObservable }) => {
      const a = slow(scheduler, new Map(), { id: 1, partition: 'vm0', frames: 1 });
      expectObservable(cold<OperationRequest<number>>('|').pipe(serializePerKey(toOperationResult))).toBe(
        '|',
      );
      expectObservable(cold('a-', { a }).pipe(serializePerKey(toOperationResult))).toBe('-a', { a: done(a) });
      expectObservable(NEVER.pipe(serializePerKey(toOperationResult))).toBe('');
    });
  });

  it('forwards a source error at once and tears down routines in flight', () => {
    const scheduler = testScheduler();
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const routine = cold<OperationOutcome<number>>('----(o|)', { o: { ok: true, value: 1 } });
      const a = { id: 1, partition: 'vm0', name: 'MSHV_RUN_VP', vp: 0, run: () => routine };
      expectObservable(cold('a-#', { a }).pipe(serializePerKey(toOperationResult))).toBe('--#');
      expectSubscriptions(routine.subscriptions).toBe('^-!');
    });
  });

  it('tears down routines in flight when the consumer unsubscribes', () => {
    const scheduler = testScheduler();
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const routine = cold<OperationOutcome<number>>('----(o|)', { o: { ok: true, value: 1 } });
      const a = { id: 1, partition: 'vm0', name: 'MSHV_RUN_VP', vp: 0, run: () => routine };
      expectObservable(cold('a|', { a }).pipe(serializePerKey(toOperationResult)), '^--!').toBe('---');
      expectSubscriptions(routine.subscriptions).toBe('^--!');
    });
  });

  it('answers a malformed request that carries its id with EINVAL naming the field, and keeps running (design.md principle 5)', () => {
    const scheduler = testScheduler();
    const starts: StartLog = new Map();
    scheduler.run(({ cold, expectObservable }) => {
      const a = slow(scheduler, starts, { id: 1, partition: 'vm0', vp: 0, frames: 3 });
      const bad = slow(scheduler, starts, { id: 2, partition: 'vm1', vp: 256, frames: 1 });
      const c = slow(scheduler, starts, { id: 3, partition: 'vm1', frames: 1 });
      const message = 'operation #2 (MSHV_RUN_VP): vp must be an integer in [0, 256) (MSHV_MAX_VPS)';
      expectObservable(cold('abc|', { a, b: bad, c }).pipe(serializePerKey(toOperationResult))).toBe(
        '-b-(ac|)',
        {
          a: done(a),
          b: resultOf(bad, {
            ok: false,
            error: { errno: 22, errnoName: 'EINVAL', op: 'MSHV_RUN_VP', message },
          }),
          c: done(c),
        },
      );
    });
    expect(starts.has(2)).toBe(false); // never ran, left nothing in a lane
  });

  it('errors the stream on a malformed request without an id to answer, naming the field', () => {
    const scheduler = testScheduler();
    scheduler.run(({ cold, expectObservable }) => {
      const bad = { ...slow(scheduler, new Map(), { id: 1, partition: 'vm0', vp: -1, frames: 1 }), id: -1 };
      const out = cold('a|', { a: bad }).pipe(
        serializePerKey(toOperationResult),
        map(() => 'unexpected'),
      );
      expectObservable(out).toBe(
        '#',
        {},
        new TypeError('operation #-1 (MSHV_RUN_VP): id must be a non-negative safe integer'),
      );
    });
  });

  it('starts no further operation once the consumer has unsubscribed (take(1) downstream)', () => {
    const scheduler = testScheduler();
    const starts: StartLog = new Map();
    scheduler.run(({ cold, expectObservable }) => {
      const a = slow(scheduler, starts, { id: 1, partition: 'vm0', frames: 2 });
      const b = slow(scheduler, starts, { id: 2, partition: 'vm0', frames: 2 });
      const out = cold('ab|', { a, b }).pipe(serializePerKey(toOperationResult), take(1));
      expectObservable(out).toBe('--(a|)', { a: done(a) });
    });
    expect([...starts.keys()]).toEqual([1]); // b, waiting behind a, is never run
  });

  it('starts no further Promise routine once firstValueFrom has its result', async () => {
    const started: number[] = [];
    const req = (id: number): OperationRequest<number> => ({
      id,
      partition: 'vm0',
      name: 'MSHV_SET_GUEST_MEMORY',
      run: async () => {
        started.push(id);
        await Promise.resolve();
        return { ok: true, value: id };
      },
    });
    const source = new Subject<OperationRequest<number>>();
    const first = firstValueFrom(source.pipe(serializePerKey(toOperationResult)));
    source.next(req(1));
    source.next(req(2));
    source.next(req(3));
    expect((await first).id).toBe(1);
    for (let i = 0; i < 8; i++) await Promise.resolve();
    expect(started).toEqual([1]);
  });

  it('does not recurse when the consumer issues the next request from a result', () => {
    const requests = new Subject<OperationRequest<number>>();
    const ids: number[] = [];
    const count = 20_000;
    requests.pipe(serializePerKey(toOperationResult)).subscribe((r) => {
      ids.push(r.id);
      if (r.id + 1 < count) requests.next(syncReq(r.id + 1, 'vm0', { ok: true, value: 0 }));
      else requests.complete();
    });
    requests.next(syncReq(0, 'vm0', { ok: true, value: 0 }));
    expect(ids).toHaveLength(count);
    expect(ids[count - 1]).toBe(count - 1);
  });
});
