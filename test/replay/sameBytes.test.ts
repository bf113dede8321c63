import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sameBytes } from '../../src/replay/sameBytes.js';

describe('sameBytes: the byte comparison replay makes of every hypercall', () => {
  it('is true exactly when lengths and every byte agree, short (looped) or long (native), at any offset', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 200 }),
        fc.nat(),
        fc.integer({ min: 0, max: 7 }),
        (bytes, where, offset) => {
          const copy = new Uint8Array(offset + bytes.length);
          copy.set(bytes, offset);
          const view = copy.subarray(offset);
          expect(sameBytes(bytes, view)).toBe(true);
          if (bytes.length > 0) {
            const i = where % bytes.length;
            view[i] = (view[i] ?? 0) ^ 1;
            expect(sameBytes(bytes, view)).toBe(false);
            expect(sameBytes(bytes, bytes.subarray(0, bytes.length - 1))).toBe(false);
          }
        },
      ),
    );
  });

  it('treats null as equal only to null', () => {
    expect(sameBytes(null, null)).toBe(true);
    expect(sameBytes(null, new Uint8Array(0))).toBe(false);
    expect(sameBytes(new Uint8Array(0), null)).toBe(false);
  });
});
