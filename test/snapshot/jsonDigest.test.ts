import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/log/canonicalJson.js';
import { checksumHex, fnv64Ascii, fnv64Init } from '../../src/log/checksum.js';
import { canonicalDigest, streamDigest } from '../../src/snapshot/jsonDigest.js';

describe('state digests (FNV-1a 64 of canonical snapshot text)', () => {
  it('the streaming digest equals the digest of the canonical text for any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        expect(streamDigest(v)).toBe(canonicalDigest(v));
      }),
      { numRuns: 500 },
    );
  });

  it('is FNV-1a 64 over canonicalJson, the log checksum (src/log/checksum.ts)', () => {
    const v = { b: [1, -0, 2.5, 'é', null, true], a: { z: '0x00000000000000ff' } };
    const s = fnv64Init();
    fnv64Ascii(s, canonicalJson(v));
    expect(canonicalDigest(v)).toBe(checksumHex(s));
    expect(canonicalDigest(v)).toMatch(/^[0-9a-f]{16}$/);
  });

  it('does not depend on key order, and changes with any value', () => {
    expect(streamDigest({ a: 1, b: 2 })).toBe(streamDigest({ b: 2, a: 1 }));
    expect(streamDigest({ a: 1, b: 2 })).not.toBe(streamDigest({ a: 1, b: 3 }));
    expect(streamDigest([1, 23])).not.toBe(streamDigest([12, 3]));
  });

  it('refuses what JSON cannot hold, like canonicalJson', () => {
    expect(() => streamDigest({ a: 1n })).toThrow(TypeError);
    expect(() => streamDigest([Number.NaN])).toThrow(TypeError);
    expect(() => streamDigest(new Map())).toThrow(TypeError);
  });
});
