import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checksumHex,
  fnv64Ascii,
  fnv64Bytes,
  fnv64Init,
  headerChecksum,
  recordChecksum,
} from '../../src/log/checksum.js';

/** FNV-1a 64 the slow, obvious way: bigint arithmetic modulo 2^64. */
function referenceFnv1a64(bytes: Uint8Array): string {
  let h = 0xcbf29ce484222325n;
  for (const b of bytes) h = ((h ^ BigInt(b)) * 0x100000001b3n) & 0xffffffffffffffffn;
  return h.toString(16).padStart(16, '0');
}

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('FNV-1a 64 (the record checksum)', () => {
  it('matches the published FNV-1a 64 vectors', () => {
    // Vectors from the FNV reference test suite (Fowler, Noll, Vo).
    expect(checksumHex(fnv64Init())).toBe('cbf29ce484222325');
    expect(checksumHex(fnv64Bytes(fnv64Init(), ascii('a')))).toBe('af63dc4c8601ec8c');
    expect(checksumHex(fnv64Bytes(fnv64Init(), ascii('foobar')))).toBe('85944171f73967e8');
  });

  it('the two-halves arithmetic equals bigint FNV-1a 64 on any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        expect(checksumHex(fnv64Bytes(fnv64Init(), bytes))).toBe(referenceFnv1a64(bytes));
      }),
    );
  });

  it('hashing ASCII text equals hashing its bytes, and stops at the first non-ASCII character', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.integer({ min: 0, max: 0x7f }).map((c) => String.fromCharCode(c)) }),
        (s) => {
          const st = fnv64Init();
          expect(fnv64Ascii(st, s)).toBe(-1);
          expect(checksumHex(st)).toBe(referenceFnv1a64(ascii(s)));
        },
      ),
    );
    expect(fnv64Ascii(fnv64Init(), 'ab\u00e9c')).toBe(2);
    expect(recordChecksum('0000000000000000', 1, '{"x":"\u00e9"}')).toBeNull();
  });

  it('any single changed byte changes the checksum (each FNV step is a bijection)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 200 }),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        (bytes, at, delta) => {
          const i = at % bytes.length;
          const changed = bytes.slice();
          changed[i] = (changed[i]! + delta) & 0xff;
          expect(referenceFnv1a64(changed)).not.toBe(referenceFnv1a64(bytes));
          expect(checksumHex(fnv64Bytes(fnv64Init(), changed))).not.toBe(
            checksumHex(fnv64Bytes(fnv64Init(), bytes)),
          );
        },
      ),
    );
  });

  it('record checksums chain: prev checksum (8 bytes BE), seq (8 bytes BE), then the body', () => {
    const prev = headerChecksum('{"seed":"1"}');
    const body = '{"kind":"snapshot","state":null,"v":1}';
    const bytes = new Uint8Array([
      ...Array.from({ length: 8 }, (_, i) => parseInt(prev.slice(2 * i, 2 * i + 2), 16)),
      ...[0, 0, 0, 0, 0, 0, 0x01, 0x02],
      ...ascii(body),
    ]);
    expect(recordChecksum(prev, 0x102, body)).toBe(referenceFnv1a64(bytes));
    // Same body at another seq, or after another predecessor: another checksum.
    expect(recordChecksum(prev, 0x103, body)).not.toBe(recordChecksum(prev, 0x102, body));
    expect(recordChecksum('0123456789abcdef', 0x102, body)).not.toBe(recordChecksum(prev, 0x102, body));
    // Seq above 2^32 uses both halves.
    expect(recordChecksum(prev, 2 ** 32 + 1, body)).not.toBe(recordChecksum(prev, 1, body));
  });
});
