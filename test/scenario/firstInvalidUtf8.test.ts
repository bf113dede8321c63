import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { firstInvalidUtf8 } from '../../src/scenario/firstInvalidUtf8.js';

/** The offset of the first invalid byte, by asking a strict decoder about every prefix. */
function byDecoder(bytes: Uint8Array): number {
  const strict = new TextDecoder('utf-8', { fatal: true });
  const valid = (n: number): boolean => {
    try {
      strict.decode(bytes.subarray(0, n));
      return true;
    } catch {
      return false;
    }
  };
  if (valid(bytes.length)) return -1;
  // The longest valid prefix ends where the bad sequence starts (a prefix may end inside a sequence
  // that a later byte breaks, so step back to the sequence's lead byte).
  let n = 0;
  for (let k = 1; k <= bytes.length; k++) if (valid(k)) n = k;
  return n;
}

describe('firstInvalidUtf8', () => {
  it('agrees with a strict TextDecoder on random bytes and on mutated UTF-8', () => {
    const utf8 = fc.string({ unit: 'grapheme', maxLength: 20 }).map((t) => new TextEncoder().encode(t));
    const mutated = fc.tuple(utf8, fc.nat(), fc.integer({ min: 0, max: 255 })).map(([b, at, v]) => {
      const out = Uint8Array.from(b);
      if (out.length > 0) out[at % out.length] = v;
      return out;
    });
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 12 }), utf8, mutated), (bytes) => {
        expect(firstInvalidUtf8(bytes)).toBe(byDecoder(bytes));
      }),
      { numRuns: 2000 },
    );
  });

  it.each([
    ['an overlong slash', [0x2f, 0xc0, 0xaf], 1],
    ['a UTF-16 surrogate', [0xed, 0xa0, 0x80], 0],
    ['above U+10FFFF', [0xf4, 0x90, 0x80, 0x80], 0],
    ['a sequence cut by the end', [0x41, 0xe2, 0x82], 1],
    ['a lone continuation byte', [0x80], 0],
  ])('%s is invalid at its lead byte', (_what, bytes, at) => {
    expect(firstInvalidUtf8(Uint8Array.from(bytes))).toBe(at);
  });
});
