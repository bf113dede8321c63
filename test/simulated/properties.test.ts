import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hvStatusName } from '../../src/hv/HvStatus.js';
import { injectableStatuses } from '../../adapters/simulated/faults/FaultPlan.js';
import { HANDLERS } from '../../adapters/simulated/handlers/index.js';
import type { SimulatedMachine } from '../../adapters/simulated/SimulatedMachine.js';
import { smallMachine } from './harness.js';
import { type Op, edgeArb, fuzzArb, opArb, runOps } from './randomOps.js';

/**
 * Everything a checker can see, minus time (more calls under time slicing move the clock further),
 * plus each partition's GPA extents and access bits.
 */
function snapshot(m: SimulatedMachine): unknown {
  const audit = m.audit();
  return {
    partitions: m.partitions().map((p) => ({ ...p, referenceTime: undefined })),
    gpa: m.partitions().map((p) => [...m.gpaExtents(p.id)]),
    access: m.model.all().map((p) => [...p.gpa.access]),
    host: [...m.hostExtents()],
    totals: audit.totals,
    pools: audit.pools,
  };
}

const seedArb = fc.integer({ min: 0, max: 2 ** 31 });

/**
 * Found by a random-seed run: a 4 KiB unmap of a whole 2 MiB large mapping, one rep per call,
 * splits the mapping at its first rep (a table page from the pool) and frees the region's tables at
 * its last; the pool's run merging reordered its stacks, so a later VP state page got another PFN
 * than without time slicing.
 */
const SPLIT_THEN_FREE_WHOLE_REGION: [number, number, Op[]] = [
  0,
  1,
  [
    { op: 'map2m', p: 0, chunk: 0, gfnChunk: 0 },
    { op: 'port', p: 0, id: 1, step: 0 },
    { op: 'unmap', p: 0, gfn: 0, pages: 512, ofMapped: false },
    { op: 'statePage', p: 0, vp: 0, type: 0, unmap: false },
    { op: 'deposit', p: 0, pages: 1 },
    { op: 'unpin', pin: 0 },
    { op: 'create', init: false },
    { op: 'map2m', p: 0, chunk: 0, gfnChunk: 0 },
    { op: 'unmap', p: 0, gfn: 0, pages: 1, ofMapped: false },
    { op: 'createVp', p: 0, vp: 0 },
    { op: 'createVp', p: 0, vp: 0 },
  ],
];

/**
 * Review finding (simulated hypervisor, point 5): MAP_GPA_PAGES, GET_GPA_PAGES_ACCESS_STATES and
 * UNMAP_GPA_PAGES checked their range against the time-sliced end, so with slice 4 the first reps of
 * a call crossing the 2^40-page limit mapped, marked and unmapped pages before a later slice failed;
 * without slicing the whole call failed with nothing done.
 */
const MAP_ACROSS_GFN_LIMIT: [number, number, Op[]] = [
  7,
  4,
  [
    { op: 'deposit', p: 0, pages: 64 },
    { op: 'edge', p: 0, call: 0, back: 6, reps: 8 },
    { op: 'edge', p: 0, call: 0, back: 6, reps: 6 },
    { op: 'edge', p: 0, call: 2, back: 6, reps: 8 },
    { op: 'edge', p: 0, call: 1, back: 6, reps: 8 },
    { op: 'deposit', p: 0, pages: 1 },
    { op: 'deposit', p: 0, pages: 1 },
    { op: 'deposit', p: 0, pages: 1 },
    { op: 'deposit', p: 0, pages: 1 },
    { op: 'deposit', p: 0, pages: 1 },
    { op: 'deposit', p: 0, pages: 1 },
  ],
];

describe('property: random hypercall sequences keep the machine consistent (design principle 6)', () => {
  it('never breaks conservation or double ownership, whatever the driver does', () => {
    fc.assert(
      fc.property(seedArb, fc.array(opArb, { minLength: 10, maxLength: 40 }), (seed, ops) => {
        const m = smallMachine({ seed });
        runOps(m, ops);
        expect(m.audit().violations).toEqual([]);
      }),
      { numRuns: 60 },
    );
  });

  it('never breaks conservation or double ownership under seeded random faults of every kind', () => {
    const statuses = [...new Set(HANDLERS.flatMap((h) => injectableStatuses(h.statuses)))].map(hvStatusName);
    fc.assert(
      fc.property(
        seedArb,
        fc.subarray(statuses, { minLength: 1 }),
        fc.array(opArb, { minLength: 10, maxLength: 40 }),
        (seed, faulty, ops) => {
          const m = smallMachine({ seed, randomFaults: Object.fromEntries(faulty.map((s) => [s, 0.05])) });
          runOps(m, ops);
          expect(m.audit().violations).toEqual([]);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('survives raw fuzz (random control words and input bytes) mixed with real operations', () => {
    fc.assert(
      fc.property(
        seedArb,
        // size 'max': lengths spread over the whole [10, 60] (fast-check's default size keeps them below 30).
        fc.array(fc.oneof(opArb, fuzzArb), { minLength: 10, maxLength: 60, size: 'max' }),
        (seed, ops) => {
          const m = smallMachine({ seed, scheduler: seed % 2 === 0 ? 'root' : 'lp' });
          runOps(m, ops);
          expect(m.audit().violations).toEqual([]);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('reaches the same final state under any rep time slice as under none, GPA calls crossing the 2^40 limit included (inventory §b.1)', () => {
    fc.assert(
      fc.property(
        seedArb,
        fc.integer({ min: 1, max: 600 }),
        fc.array(fc.oneof({ weight: 6, arbitrary: opArb }, { weight: 1, arbitrary: edgeArb }), {
          minLength: 10,
          maxLength: 30,
        }),
        (seed, slice, ops) => {
          const whole = smallMachine({ seed });
          const sliced = smallMachine({ seed, repTimeSlice: slice });
          runOps(whole, ops);
          runOps(sliced, ops);
          expect(snapshot(sliced)).toEqual(snapshot(whole));
        },
      ),
      { numRuns: 40, examples: [SPLIT_THEN_FREE_WHOLE_REGION, MAP_ACROSS_GFN_LIMIT] },
    );
  });

  it('gives byte-identical answers for the same seed and inputs (design principle 3)', () => {
    fc.assert(
      fc.property(
        seedArb,
        fc.array(fc.oneof(opArb, fuzzArb), { minLength: 10, maxLength: 40 }),
        (seed, ops: Op[]) => {
          const a: string[] = [];
          const b: string[] = [];
          const ma = smallMachine({
            seed,
            asyncPropertyRate: 0.5,
            randomFaults: { INSUFFICIENT_MEMORY: 0.05, TIME_OUT: 0.02 },
          });
          const mb = smallMachine({
            seed,
            asyncPropertyRate: 0.5,
            randomFaults: { INSUFFICIENT_MEMORY: 0.05, TIME_OUT: 0.02 },
          });
          runOps(ma, ops, a);
          runOps(mb, ops, b);
          expect(b).toEqual(a);
          expect(snapshot(mb)).toEqual(snapshot(ma));
        },
      ),
      { numRuns: 30 },
    );
  });
});
