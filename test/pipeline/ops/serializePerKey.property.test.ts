import fc from 'fast-check';
import { map, merge, timer } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { OperationResult } from '../../../src/pipeline/ops/Operation.js';
import { serializePerKey } from '../../../src/pipeline/ops/serializePerKey.js';
import { toOperationResult } from '../../../src/pipeline/ops/toOperationResult.js';
import { slow, type StartLog, testScheduler } from './opsHelpers.js';

interface Op {
  readonly partition: string;
  readonly vp: number | undefined;
  readonly frames: number;
  readonly at: number;
}

const opArb = fc.record({
  partition: fc.constantFrom('vm0', 'vm1'),
  vp: fc.option(fc.integer({ min: 0, max: 2 }), { nil: undefined }),
  frames: fc.integer({ min: 0, max: 4 }),
  gap: fc.integer({ min: 0, max: 3 }),
});

/**
 * The pipeline's conflict rule (issue 4), the kernel's locks (inventory §d Locks): two operations
 * conflict when they are in the same lane, both partition operations of one partition (pt_mutex) or
 * both on the same VP of one partition (vp_mutex). A partition operation and a VP operation never do.
 */
const conflicts = (a: Op, b: Op): boolean => a.partition === b.partition && a.vp === b.vp;

/** The model: an operation starts once it has arrived and every earlier conflicting one has ended. */
function modelStarts(ops: readonly Op[]): number[] {
  const starts: number[] = [];
  ops.forEach((op, i) => {
    const ends = ops
      .slice(0, i)
      .flatMap((prev, j) => (conflicts(prev, op) ? [starts[j]! + prev.frames] : []));
    starts.push(Math.max(op.at, ...ends));
  });
  return starts;
}

describe('serializePerKey against the lock model (issue 4 "The pipeline", inventory §d Locks)', () => {
  it('starts each operation exactly when it arrived and every earlier conflicting one ended', () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 24 }), (raw) => {
        let at = 0;
        const ops: Op[] = raw.map(({ gap, ...o }) => ({ ...o, at: (at += gap) }));
        const scheduler = testScheduler();
        const starts: StartLog = new Map();
        const seen: [OperationResult<number>, number][] = [];
        let completedAt = -1;
        scheduler.run(() => {
          const reqs = ops.map((o, id) =>
            slow(scheduler, starts, {
              id,
              partition: o.partition,
              frames: o.frames,
              ...(o.vp === undefined ? {} : { vp: o.vp }),
            }),
          );
          merge(...reqs.map((r, id) => timer(ops[id]!.at, scheduler).pipe(map(() => r))))
            .pipe(serializePerKey(toOperationResult))
            .subscribe({
              next: (r) => seen.push([r, scheduler.now()]),
              complete: () => (completedAt = scheduler.now()),
            });
        });
        const expected = modelStarts(ops);
        expect(ops.map((_, id) => starts.get(id))).toEqual(expected);
        const endOf = (id: number) => expected[id]! + ops[id]!.frames;
        expect(
          seen.map(([r, frame]) => [r.id, r.ok, frame]).sort((a, b) => Number(a[0]) - Number(b[0])),
        ).toEqual(ops.map((_, id) => [id, true, endOf(id)]));
        // Results of conflicting operations come out in arrival order.
        const position = new Map(seen.map(([r], i) => [r.id, i]));
        ops.forEach((a, i) => {
          ops.forEach((b, j) => {
            if (j > i && conflicts(a, b)) expect(position.get(i)!).toBeLessThan(position.get(j)!);
          });
        });
        expect(completedAt).toBe(Math.max(...ops.map((o, id) => Math.max(o.at, endOf(id)))));
      }),
    );
  });
});
