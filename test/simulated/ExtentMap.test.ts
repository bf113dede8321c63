import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ExtentMap, type ExtentCodec, flatCodec } from '../../adapters/simulated/ExtentMap.js';

/** A position-dependent value, like a GPA extent's PFN: joins only when the PFNs continue. */
const pfnCodec: ExtentCodec<number> = {
  slice: (v, offset) => v + offset,
  joins: (a, len, b) => a + len === b,
};

type Op =
  | { kind: 'set'; lo: number; len: number; v: number }
  | { kind: 'clear'; lo: number; len: number }
  | { kind: 'update'; lo: number; len: number; add: number };

const SPAN = 300;
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant('set' as const),
    lo: fc.nat(SPAN),
    len: fc.nat(40),
    v: fc.integer({ min: 0, max: 2000 }),
  }),
  fc.record({ kind: fc.constant('clear' as const), lo: fc.nat(SPAN), len: fc.nat(40) }),
  fc.record({
    kind: fc.constant('update' as const),
    lo: fc.nat(SPAN),
    len: fc.nat(40),
    add: fc.integer({ min: -1, max: 3 }),
  }),
);

/** The naive model: one slot per unit. */
function applyNaive(model: (number | undefined)[], op: Op): void {
  for (let i = op.lo; i < op.lo + op.len; i++) {
    if (op.kind === 'set') model[i] = op.v + (i - op.lo);
    else if (op.kind === 'clear') model[i] = undefined;
    else {
      const cur = model[i];
      if (cur !== undefined) model[i] = op.add < 0 ? undefined : cur + op.add;
    }
  }
}

function applyMap(m: ExtentMap<number>, op: Op): void {
  if (op.kind === 'set') m.set(op.lo, op.lo + op.len, op.v);
  else if (op.kind === 'clear') m.clear(op.lo, op.lo + op.len);
  else m.update(op.lo, op.lo + op.len, (v) => (op.add < 0 ? undefined : v + op.add));
}

describe('ExtentMap', () => {
  it('splits and re-merges flat values', () => {
    const m = new ExtentMap<string>(flatCodec((a, b) => a === b));
    m.set(0, 10, 'free');
    m.set(4, 6, 'kernel');
    expect([...m].map((e) => [e.start, e.end, e.value])).toEqual([
      [0, 4, 'free'],
      [4, 6, 'kernel'],
      [6, 10, 'free'],
    ]);
    m.set(4, 6, 'free');
    expect(m.size).toBe(1);
    m.check('flat');
  });

  it('behaves like a per-unit array under any sequence of set/clear/update, with small blocks', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 120 }), fc.integer({ min: 1, max: 4 }), (ops, blockMax) => {
        const m = new ExtentMap<number>(pfnCodec, blockMax);
        const model: (number | undefined)[] = [];
        for (const op of ops) {
          applyMap(m, op);
          applyNaive(model, op);
          m.check('pfn map');
        }
        for (let i = 0; i < SPAN + 45; i++) {
          const e = m.get(i);
          expect(e === undefined ? undefined : e.value + (i - e.start)).toBe(model[i]);
        }
        // Maximal merging: the extent count equals the number of runs in the naive model.
        let runs = 0;
        for (let i = 0; i < model.length; i++) {
          const v = model[i];
          if (v !== undefined && (i === 0 || model[i - 1] !== v - 1)) runs++;
        }
        expect(m.size).toBe(runs);
      }),
      { numRuns: 300 },
    );
  });

  it('behaves like a per-unit array for flat values (owners), merging equal neighbours, with small blocks', () => {
    // Few distinct values, so retags that restore a neighbour's value (and must merge) are common.
    const flatOp = fc.record({
      lo: fc.nat(60),
      len: fc.integer({ min: 1, max: 12 }),
      v: fc.integer({ min: 0, max: 2 }),
      how: fc.constantFrom('set', 'clear', 'update', 'drop'),
    });
    fc.assert(
      fc.property(fc.array(flatOp, { maxLength: 150 }), fc.integer({ min: 1, max: 3 }), (ops, blockMax) => {
        const m = new ExtentMap<number>(
          flatCodec((a, b) => a === b),
          blockMax,
        );
        const model: (number | undefined)[] = [];
        for (const op of ops) {
          const hi = op.lo + op.len;
          // The pieces update must visit: the mapped runs of the range, split where the value changes.
          const want: [number, number][] = [];
          for (const e of m) {
            const s = Math.max(e.start, op.lo);
            const en = Math.min(e.end, hi);
            if (s < en) want.push([s, en]);
          }
          const seen: [number, number][] = [];
          if (op.how === 'set') m.set(op.lo, hi, op.v);
          else if (op.how === 'clear') m.clear(op.lo, hi);
          else
            m.update(op.lo, hi, (v, s, e) => {
              seen.push([s, e]);
              return op.how === 'drop' ? undefined : (v + op.v) % 3;
            });
          for (let i = op.lo; i < hi; i++) {
            const cur = model[i];
            if (op.how === 'set') model[i] = op.v;
            else if (op.how === 'clear' || (op.how === 'drop' && cur !== undefined)) model[i] = undefined;
            else if (cur !== undefined) model[i] = (cur + op.v) % 3;
          }
          m.check('flat map');
          if (op.how === 'update' || op.how === 'drop') expect(seen).toEqual(want);
        }
        let runs = 0;
        for (let i = 0; i < 80; i++) {
          expect(m.get(i)?.value).toBe(model[i]);
          if (model[i] !== undefined && model[i] !== model[i - 1]) runs++;
        }
        expect(m.size).toBe(runs);
      }),
      { numRuns: 400 },
    );
  });

  it('keeps a sequentially built million-unit map to one extent per PFN run', () => {
    const m = new ExtentMap<number>(pfnCodec);
    for (let g = 0; g < 1_000_000; g += 509) m.set(g, Math.min(g + 509, 1_000_000), 5000 + g);
    expect(m.size).toBe(1);
    for (let g = 0; g < 1_000_000; g += 512) m.clear(g, g + 512);
    expect(m.size).toBe(0);
  });
});
