import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checksumHex, fnv64Ascii, fnv64Init, recordChecksum } from '../../src/log/checksum.js';
import { fnv64AsciiWasm } from '../../src/log/fnv64Wasm.js';

/** FNV-1a 64 the slow, obvious way: bigint arithmetic modulo 2^64, over char codes. */
function referenceFnv1a64(text: string): string {
  let h = 0xcbf29ce484222325n;
  for (let i = 0; i < text.length; i++)
    h = ((h ^ BigInt(text.charCodeAt(i))) * 0x100000001b3n) & (2n ** 64n - 1n);
  return h.toString(16).padStart(16, '0');
}

const asciiChar = fc.integer({ min: 0, max: 0x7f }).map((c) => String.fromCharCode(c));

describe('FNV-1a 64 in WebAssembly (the path of fnv64Ascii)', () => {
  it('equals bigint FNV-1a 64 on any ASCII text, from any state', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: asciiChar, maxLength: 3000 }),
        fc.string({ unit: asciiChar, maxLength: 40 }),
        (text, before) => {
          // The state after `before` (hashed a character at a time).
          const s = fnv64Init();
          for (const c of before) fnv64Ascii(s, c);
          expect(fnv64AsciiWasm(s, text)).toBe(true);
          expect(checksumHex(s)).toBe(referenceFnv1a64(before + text));
        },
      ),
    );
  });

  it('grows its memory for a text longer than it holds, and hashes shorter texts right after', () => {
    const long = 'x'.repeat(200_000) + '{"kind":"hypercall"}';
    const s = fnv64Init();
    expect(fnv64AsciiWasm(s, long)).toBe(true);
    expect(checksumHex(s)).toBe(referenceFnv1a64(long));
    const t = fnv64Init();
    expect(fnv64AsciiWasm(t, 'abc')).toBe(true);
    expect(checksumHex(t)).toBe(referenceFnv1a64('abc'));
  });

  it('refuses text with a character above U+007F anywhere and leaves the state as it was', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: asciiChar, maxLength: 200 }),
        fc.constantFrom('\u0080', '\u00e9', '\u20ac', '\ud83d', '\ude00', '\ud83d\ude00'),
        fc.string({ unit: asciiChar, maxLength: 200 }),
        (head, odd, tail) => {
          const s = fnv64Init();
          expect(fnv64AsciiWasm(s, head + odd + tail)).toBe(false);
          expect(checksumHex(s)).toBe('cbf29ce484222325');
        },
      ),
    );
  });

  it('fnv64Ascii still names the first non-ASCII character of a long text and hashes what precedes it', () => {
    const head = 'a'.repeat(100);
    const s = fnv64Init();
    expect(fnv64Ascii(s, `${head}\u00e9${'b'.repeat(100)}`)).toBe(100);
    expect(checksumHex(s)).toBe(referenceFnv1a64(head));
    expect(recordChecksum('0000000000000000', 1, `{"x":"${'c'.repeat(64)}\u00e9"}`)).toBeNull();
  });
});
