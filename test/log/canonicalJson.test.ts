import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/log/canonicalJson.js';

describe('canonicalJson: the bytes the checksums cover', () => {
  it('sorts keys at every depth, writes no whitespace, escapes non-ASCII', () => {
    expect(canonicalJson({ b: 1, a: { d: [true, null], c: 'é✓' } })).toBe(
      '{"a":{"c":"\\u00e9\\u2713","d":[true,null]},"b":1}',
    );
    expect(canonicalJson(-0)).toBe('0');
    expect(canonicalJson('\u007f\ud83d\ude00')).toBe('"\\u007f\\ud83d\\ude00"');
  });

  it('equal values give identical text whatever the key order; the text parses back to the value', () => {
    fc.assert(
      fc.property(fc.jsonValue({ stringUnit: 'binary' }), (v) => {
        const text = canonicalJson(v);
        expect(text).toMatch(/^[\x20-\x7e]*$/);
        const back: unknown = JSON.parse(text);
        expect(back).toEqual(JSON.parse(JSON.stringify(v))); // the value, with -0 written as 0
        expect(canonicalJson(back)).toBe(text);
        expect(canonicalJson(reverseKeys(back))).toBe(text);
      }),
    );
  });

  it.each([
    ['a bigint', { a: { size: 1n } }, '$.a.size: bigint 1n is not JSON; write it as a string'],
    ['NaN', { a: [1, Number.NaN] }, '$.a[1]: NaN is not a finite number (JSON)'],
    ['undefined', { a: undefined }, '$.a: undefined is not JSON'],
    ['bytes', { a: new Uint8Array(2) }, '$.a: a Uint8Array is not a plain object (JSON)'],
    ['a function', { f: () => 0 }, '$.f: function is not JSON'],
  ])('rejects %s, naming its path', (_what, value, message) => {
    expect(() => canonicalJson(value)).toThrow(message);
  });
});

function reverseKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(reverseKeys);
  if (typeof v !== 'object' || v === null) return v;
  // fromEntries defines own properties: a generated "__proto__" key stays a key (an assignment
  // would set the prototype instead, and the value would no longer be a plain object).
  return Object.fromEntries(
    Object.keys(v)
      .reverse()
      .map((k) => [k, reverseKeys((v as Record<string, unknown>)[k])]),
  );
}
