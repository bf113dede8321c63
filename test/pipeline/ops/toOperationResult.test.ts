import { describe, expect, it } from 'vitest';
import { firstValueFrom } from 'rxjs';
import type { OperationOutcome, OperationRequest } from '../../../src/pipeline/ops/Operation.js';
import { operationError, resultOf } from '../../../src/pipeline/ops/Operation.js';
import { settleOutcome, toOperationResult } from '../../../src/pipeline/ops/toOperationResult.js';
import { testScheduler } from './opsHelpers.js';

type Run = OperationRequest<number>['run'];
const req = (run: Run, vp?: number): OperationRequest<number> => ({
  id: 7,
  partition: 'vm0',
  ...(vp === undefined ? {} : { vp }),
  name: 'MSHV_GET_VP_STATE',
  run,
});
const eexist = operationError('MSHV_CREATE_VP', 'EEXIST', 'vp_index 0 is already in use');

// design.md principle 4: operating errors are values; broken invariants throw.
describe('toOperationResult (design.md principle 4)', () => {
  it('gives a synchronous outcome its request identity at once', () => {
    testScheduler().run(({ expectObservable }) => {
      const r = req(() => ({ ok: true, value: 3 }), 2);
      expectObservable(toOperationResult(r)).toBe('(a|)', {
        a: { id: 7, partition: 'vm0', vp: 2, name: 'MSHV_GET_VP_STATE', ok: true, value: 3 },
      });
    });
  });

  it('passes an error outcome through unchanged', () => {
    const r = req(() => ({ ok: false, error: eexist }));
    const result = settleOutcome(r, r.run());
    expect(!result.ok && result.error).toBe(eexist);
    expect(result).toEqual({ id: 7, partition: 'vm0', name: 'MSHV_GET_VP_STATE', ok: false, error: eexist });
  });

  it("takes an Observable routine's first value, in virtual time, and unsubscribes it", () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const routine = cold<OperationOutcome<number>>('---a-b|', {
        a: { ok: true, value: 1 },
        b: { ok: true, value: 2 },
      });
      const r = req(() => routine);
      expectObservable(toOperationResult(r)).toBe('---(a|)', { a: resultOf(r, { ok: true, value: 1 }) });
      expectSubscriptions(routine.subscriptions).toBe('^--!');
    });
  });

  it('errors the stream when the routine throws, completes without an outcome, or returns a malformed one', () => {
    const bug = new Error('invariant');
    testScheduler().run(({ cold, expectObservable }) => {
      const thrower = req(() => {
        throw bug;
      });
      expectObservable(toOperationResult(thrower)).toBe('#', {}, bug);
      const empty = req(() => cold<OperationOutcome<number>>('--|'));
      const noOutcome = new Error('operation #7 (MSHV_GET_VP_STATE): routine completed without an outcome');
      expectObservable(toOperationResult(empty)).toBe('--#', {}, noOutcome);
      const malformed = req(
        () => ({ ok: false, error: new Error('ENOMEM') }) as unknown as OperationOutcome<number>,
      );
      const shape = new TypeError(
        'operation #7 (MSHV_GET_VP_STATE): routine returned an object with keys [ok, error], not ' +
          '{ ok: true, value } or { ok: false, error: OperationError }',
      );
      expectObservable(toOperationResult(malformed)).toBe('#', {}, shape);
    });
  });

  it('waits for a Promise routine, and a rejection errors the stream', async () => {
    const r = req(() => Promise.resolve({ ok: true, value: 5 }));
    await expect(firstValueFrom(toOperationResult(r))).resolves.toMatchObject({ id: 7, ok: true, value: 5 });
    const rejected = req(() => Promise.reject(new Error('lost')));
    await expect(firstValueFrom(toOperationResult(rejected))).rejects.toThrow('lost');
  });

  it('does not call the routine until subscribed', () => {
    let calls = 0;
    const obs = toOperationResult(
      req(() => {
        calls += 1;
        return { ok: true, value: 0 };
      }),
    );
    expect(calls).toBe(0);
    obs.subscribe();
    expect(calls).toBe(1);
  });
});
