import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/det/Clock.js';
import { Rng } from '../../src/det/Rng.js';

describe('Rng (design principle 3: one seed drives every choice)', () => {
  it('gives the same sequence for the same seed, number or bigint', () => {
    const a = new Rng(7);
    const b = new Rng(7n);
    const xs = Array.from({ length: 8 }, () => a.u32());
    expect(Array.from({ length: 8 }, () => b.u32())).toEqual(xs);
    expect(new Set(xs).size).toBe(8);
  });

  it('gives different sequences for neighbouring seeds', () => {
    expect(new Rng(1).u32()).not.toBe(new Rng(2).u32());
  });

  it('derives streams that depend on the seed and label only, not on draws elsewhere', () => {
    const root = new Rng(42);
    const first = root.derive('host-pfns').u32();
    for (let i = 0; i < 100; i++) root.u32();
    expect(root.derive('host-pfns').u32()).toBe(first);
    expect(root.derive('faults').u32()).not.toBe(first);
  });

  it('keeps below(n) inside [0, n) for any n up to 2^53', () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), (seed, n) => {
        const x = new Rng(seed).below(n);
        expect(x).toBeGreaterThanOrEqual(0);
        expect(x).toBeLessThan(n);
      }),
    );
  });

  it('spreads below(6) evenly (each face within 10 % of 1/6 over 60,000 draws)', () => {
    const rng = new Rng(3);
    const counts = [0, 0, 0, 0, 0, 0];
    for (let i = 0; i < 60_000; i++) counts[rng.below(6)]! += 1;
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(1_000);
  });

  it('rejects a seed that is not a safe integer and a non-positive bound, naming the input', () => {
    expect(() => new Rng(0.5)).toThrow(/seed/);
    expect(() => new Rng(1).below(0)).toThrow(/below/);
  });

  it('clones: a snapshot continues exactly where the original is', () => {
    const a = new Rng(9);
    a.u32();
    const b = a.clone();
    expect(b.u32()).toBe(a.u32());
  });
});

describe('ManualClock', () => {
  it('moves only when told, and never backwards', () => {
    const c = new ManualClock(10n);
    expect(c.now()).toBe(10n);
    c.advance(5n);
    expect(c.now()).toBe(15n);
    expect(() => {
      c.advance(-1n);
    }).toThrow(/monotonic/);
    expect(() => {
      c.set(14n);
    }).toThrow(/before now/);
    c.set(20n);
    expect(c.now()).toBe(20n);
  });
});
