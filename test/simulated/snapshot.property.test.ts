import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SimulatedMachine } from '../../adapters/simulated/SimulatedMachine.js';
import { canonicalJson } from '../../src/log/canonicalJson.js';
import { smallMachine } from './harness.js';
import { type Op, fuzzArb, opArb, runOps } from './randomOps.js';

const seedArb = fc.integer({ min: 0, max: 2 ** 31 });

/** A restored twin through canonical text and JSON.parse, as a log would carry it. */
function twin(m: SimulatedMachine): SimulatedMachine {
  const text = canonicalJson(m.snapshot());
  const r = SimulatedMachine.fromSnapshot(JSON.parse(text));
  if (!r.ok) throw r.error;
  expect(canonicalJson(r.value.snapshot())).toBe(text);
  return r.value;
}

describe('property: a restored machine continues exactly as the original (issue 5, issue 6)', () => {
  it('gives the same answers, state and snapshots for any prefix and suffix of random operations', () => {
    fc.assert(
      fc.property(
        seedArb,
        fc.array(fc.oneof(opArb, fuzzArb), { minLength: 1, maxLength: 30 }),
        fc.array(fc.oneof(opArb, fuzzArb), { minLength: 1, maxLength: 30 }),
        fc.constantFrom<'root' | 'lp' | 'core-smt'>('root', 'lp', 'core-smt'),
        (seed, prefix: Op[], suffix: Op[], scheduler) => {
          const config = {
            seed,
            scheduler,
            asyncPropertyRate: 0.5,
            randomFaults: { INSUFFICIENT_MEMORY: 0.05, TIME_OUT: 0.02 },
          };
          const original = smallMachine(config);
          runOps(original, prefix);
          const copy = twin(original);
          const a: string[] = [];
          const b: string[] = [];
          runOps(original, suffix, a);
          runOps(copy, suffix, b);
          expect(b).toEqual(a);
          expect(canonicalJson(copy.snapshot())).toBe(canonicalJson(original.snapshot()));
          expect(copy.audit()).toEqual(original.audit());
          expect(copy.stateDigest()).toBe(original.stateDigest());
          expect(copy.fastStateDigest()).toBe(original.stateDigest());
        },
      ),
      { numRuns: 40 },
    );
  });
});
