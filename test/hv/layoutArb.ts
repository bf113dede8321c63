/**
 * Property-test helpers for struct layouts (src/hv/Layout.ts): random values that fit every named
 * field, and encoding over a stale page.
 */
import fc from 'fast-check';
import { SCALAR_SIZE, type ScalarField, type StructLayout } from '../../src/hv/Layout.js';

export const scalars = (l: StructLayout): ScalarField[] =>
  l.fields.filter((f): f is ScalarField => f.kind !== 'bytes' && f.kind !== 'reserved');
export const bitsOf = (f: ScalarField): bigint => BigInt(SCALAR_SIZE[f.kind] * 8);

/** Random values that fit every named field and leave its reserved bits clear. */
export function valuesArb(l: StructLayout): fc.Arbitrary<Record<string, unknown>> {
  const rec: Record<string, fc.Arbitrary<unknown>> = {};
  for (const f of l.fields) {
    if (f.kind === 'reserved') continue;
    if (f.kind === 'bytes') {
      rec[f.name] = fc.uint8Array({ minLength: f.size, maxLength: f.size });
      continue;
    }
    const clear = ~(f.reservedMask ?? 0n);
    const raw = fc.bigInt({ min: 0n, max: (1n << bitsOf(f)) - 1n }).map((v) => v & clear);
    rec[f.name] = f.kind === 'u64' ? raw : raw.map(Number);
  }
  return fc.record(rec);
}

/** Encode `values` at `at` inside a buffer pre-filled with 0xFF (a stale per-CPU page, design.md principle 7). */
export function encodeDirty(l: StructLayout, values: Record<string, unknown>, at: number): DataView {
  const view = new DataView(new ArrayBuffer(l.size + 32));
  new Uint8Array(view.buffer).fill(0xff);
  l.encode(values, view, at);
  return view;
}
