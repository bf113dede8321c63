import fc from 'fast-check';
import { from } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { Errno, type ErrnoName } from '../../../src/hv/Errno.js';
import type { OperationRequest, OperationResult } from '../../../src/pipeline/ops/Operation.js';
import { operationError } from '../../../src/pipeline/ops/Operation.js';
import { runOperations, runOperationsSync } from '../../../src/pipeline/ops/runOperations.js';

const specArb = fc.record({
  partition: fc.constantFrom('vm0', 'vm1', 'vm2'),
  // 256 is malformed (MSHV_MAX_VPS, inventory §c.5): both answer it in place with EINVAL.
  vp: fc.option(fc.oneof(fc.integer({ min: 0, max: 3 }), fc.constant(256)), { nil: undefined }),
  errno: fc.option(fc.constantFrom(...(Object.keys(Errno) as ErrnoName[])), { nil: undefined }),
});

type Spec = typeof specArb extends fc.Arbitrary<infer V> ? V : never;

/** Requests whose synchronous routines log their calls; one may throw (a broken invariant). */
function build(specs: readonly Spec[], throwAt: number | undefined, log: number[]) {
  return specs.map((s, id): OperationRequest<string> => ({
    id,
    partition: s.partition,
    ...(s.vp === undefined ? {} : { vp: s.vp }),
    name: s.vp === undefined ? 'MSHV_SET_GUEST_MEMORY' : 'MSHV_RUN_VP',
    run: () => {
      log.push(id);
      if (id === throwAt) throw new Error(`invariant broken in #${id}`);
      return s.errno === undefined
        ? { ok: true, value: `r${id}` }
        : { ok: false, error: operationError('MSHV_RUN_VP', s.errno, `failed #${id}`) };
    },
  }));
}

// The scenario runner and the model checker use runOperationsSync; it must not drift from the stream.
describe('runOperationsSync matches runOperations for synchronous routines (issue 4 "The pipeline")', () => {
  it('gives the same results, in the same order, with the same routine calls and high-water marks', () => {
    fc.assert(
      fc.property(
        fc.array(specArb, { maxLength: 60 }),
        fc.option(fc.nat({ max: 59 }), { nil: undefined }),
        (specs, throwAt) => {
          const syncLog: number[] = [];
          const syncMarks = new Map<string, number>();
          let syncResults: OperationResult<string>[] | Error;
          try {
            syncResults = runOperationsSync(build(specs, throwAt, syncLog), { highWater: syncMarks });
          } catch (err: unknown) {
            syncResults = err as Error;
          }
          const streamLog: number[] = [];
          const streamMarks = new Map<string, number>();
          const streamResults: OperationResult<string>[] = [];
          let streamError: unknown;
          let completed = false;
          runOperations(from(build(specs, throwAt, streamLog)), { highWater: streamMarks }).subscribe({
            next: (r) => streamResults.push(r),
            error: (e: unknown) => (streamError = e),
            complete: () => (completed = true),
          });
          expect(streamLog).toEqual(syncLog);
          expect(streamMarks).toEqual(syncMarks);
          // A malformed request never runs, so its routine cannot throw.
          if (throwAt !== undefined && throwAt < specs.length && specs[throwAt]?.vp !== 256) {
            expect(streamError).toEqual(syncResults);
            expect(streamResults.map((r) => r.id)).toEqual([...Array(throwAt).keys()]);
          } else {
            expect(completed).toBe(true);
            expect(streamResults).toEqual(syncResults);
            expect(streamResults.map((r) => r.id)).toEqual(specs.map((_, id) => id));
          }
        },
      ),
    );
  });
});
