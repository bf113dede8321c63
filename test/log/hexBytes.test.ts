import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bytesToHex, hexToBytes } from '../../src/log/hexBytes.js';

/** The rule, stated plainly: an even number of lowercase hex digits, decoded pair by pair. */
function reference(text: string): Uint8Array | null {
  if (!/^(?:[0-9a-f]{2})*$/.test(text)) return null;
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Characters that look like hex to a careless decoder: uppercase digits, and ones whose low byte is a digit. */
const TRICKY = ['A', 'F', 'g', ' ', '\u0130', '\u0661', '\u0100', '\uff10', '\u0000', 'x'];

describe('hexToBytes: the hex of hypercall bytes in a log', () => {
  it('round-trips every byte string', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        expect(hexToBytes(bytesToHex(bytes))).toEqual(bytes);
      }),
    );
  });

  it('agrees with the plain rule on any text, hex with a stray character anywhere included', () => {
    const hexish = fc
      .tuple(fc.uint8Array({ maxLength: 64 }), fc.nat(), fc.constantFrom(...TRICKY), fc.boolean())
      .map(([bytes, at, c, odd]) => {
        const hex = bytesToHex(bytes) + (odd ? '0' : '');
        const i = hex.length === 0 ? 0 : at % hex.length;
        return hex.slice(0, i) + c + hex.slice(i + 1);
      });
    fc.assert(
      fc.property(fc.oneof(hexish, fc.string(), fc.string({ unit: 'binary' })), (text) => {
        expect(hexToBytes(text)).toEqual(reference(text));
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses uppercase digits, a character whose low byte is a digit, and an odd length', () => {
    expect(hexToBytes('ab01')).toEqual(new Uint8Array([0xab, 0x01]));
    expect(hexToBytes('AB01')).toBeNull();
    expect(hexToBytes('\u01300')).toBeNull(); // U+0130's low byte is '0'
    expect(hexToBytes('\u0661\u0662')).toBeNull(); // low bytes 'a', 'b'
    expect(hexToBytes('abc')).toBeNull();
    expect(hexToBytes('')).toEqual(new Uint8Array(0));
  });
});
