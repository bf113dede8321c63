import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UAPI_STRUCTS } from '../../../src/hv/uapi/structs/uapiStructs.js';
import { encodeDirty, valuesArb } from '../layoutArb.js';

const cases = [...UAPI_STRUCTS.values()].map((l) => [l.name, l] as const);

describe('uapi struct codecs (inventory §a.4)', () => {
  it.each(cases)('%s: encode→decode round-trips and zeroes every rsvd byte over a 0xFF buffer', (_n, l) => {
    fc.assert(
      fc.property(valuesArb(l), fc.integer({ min: 0, max: 32 }), (values, at) => {
        const view = encodeDirty(l, values, at);
        expect(l.decode(view, at)).toEqual(values);
        expect(l.reservedViolations(view, at)).toEqual([]);
        for (const r of l.reservedRanges)
          for (let i = 0; i < r.size; i++) expect(view.getUint8(at + r.offset + i)).toBe(0);
      }),
      { numRuns: 50 },
    );
  });
});
