import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bitsOf, encodeDirty, scalars, valuesArb } from '../layoutArb.js';
import { allLayouts } from './allLayouts.js';

const layouts = allLayouts();
const cases = layouts.map((l) => [l.name, l] as const);
describe('hypercall layout codecs (seed review: reserved fields must be zero)', () => {
  it.each(cases)('%s: encode→decode round-trips and zeroes every reserved byte over a 0xFF page', (_n, l) => {
    fc.assert(
      fc.property(valuesArb(l), fc.integer({ min: 0, max: 32 }), (values, at) => {
        const view = encodeDirty(l, values, at);
        expect(l.decode(view, at)).toEqual(values);
        expect(l.reservedViolations(view, at)).toEqual([]);
        for (const r of l.reservedRanges) {
          for (let i = 0; i < r.size; i++) expect(view.getUint8(at + r.offset + i)).toBe(0);
        }
        const bytes = new Uint8Array(view.buffer);
        expect(bytes.subarray(0, at).every((b) => b === 0xff)).toBe(true);
        expect(bytes.subarray(at + l.size).every((b) => b === 0xff)).toBe(true);
      }),
      { numRuns: 50 },
    );
  });

  const withReserved = cases.filter(([, l]) => l.reservedRanges.length > 0);
  it.each(withReserved)('%s: a non-zero reserved or padding byte is reported by name', (_n, l) => {
    const cells = l.reservedRanges.flatMap((r) => Array.from({ length: r.size }, (_, i) => ({ r, i })));
    fc.assert(
      fc.property(
        valuesArb(l),
        fc.constantFrom(...cells),
        fc.integer({ min: 1, max: 255 }),
        (values, c, byte) => {
          const view = encodeDirty(l, values, 0);
          view.setUint8(c.r.offset + c.i, byte);
          const v = l.reservedViolations(view);
          expect(v).toEqual([
            expect.objectContaining({ field: c.r.name, offset: c.r.offset, size: c.r.size }),
          ]);
          expect(l.decode(view)).toEqual(values);
        },
      ),
      { numRuns: 50 },
    );
  });

  const withMask = cases.filter(([, l]) => scalars(l).some((f) => f.reservedMask !== undefined));
  it.each(withMask)('%s: a set reserved bit inside a bit-field word is reported and refused', (_n, l) => {
    const masked = scalars(l).filter((f) => f.reservedMask !== undefined);
    const bits = masked.flatMap((f) =>
      Array.from({ length: Number(bitsOf(f)) }, (_, b) => ({ f, bit: BigInt(b) })).filter(
        ({ bit }) => ((f.reservedMask ?? 0n) >> bit) & 1n,
      ),
    );
    fc.assert(
      fc.property(valuesArb(l), fc.constantFrom(...bits), (values, { f, bit }) => {
        const view = encodeDirty(l, values, 0);
        const at = f.offset + Number(bit / 8n);
        view.setUint8(at, view.getUint8(at) | (1 << Number(bit % 8n)));
        expect(l.reservedViolations(view)).toEqual([
          expect.objectContaining({ field: `${f.name}.reserved-bits` }),
        ]);
        const bad = BigInt(values[f.name] as number | bigint) | (1n << bit);
        const refused = { ...values, [f.name]: f.kind === 'u64' ? bad : Number(bad) };
        expect(() => {
          encodeDirty(l, refused, 0);
        }).toThrow(new RegExp(`${l.name}\\.${f.name}: reserved bits`));
      }),
      { numRuns: 50 },
    );
  });

  it.each(cases)('%s: a value that does not fit a field throws a RangeError naming it', (_n, l) => {
    fc.assert(
      fc.property(
        valuesArb(l),
        fc.constantFrom(...l.fields.filter((f) => f.kind !== 'reserved')),
        (values, f) => {
          const tooBig =
            f.kind === 'bytes'
              ? new Uint8Array(f.size + 1)
              : f.kind === 'u64'
                ? 1n << bitsOf(f)
                : Number(1n << bitsOf(f));
          const name = new RegExp(`^${l.name}\\.${f.name}: `);
          for (const bad of [tooBig, f.kind === 'u64' ? -1n : -1, undefined]) {
            const e = (() => {
              try {
                encodeDirty(l, { ...values, [f.name]: bad }, 0);
              } catch (err) {
                return err;
              }
              return undefined;
            })();
            expect(e).toBeInstanceOf(RangeError);
            expect((e as RangeError).message).toMatch(name);
          }
        },
      ),
      { numRuns: 20 },
    );
  });
});
