import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, canonicalString } from '../../src/log/canonicalJson.js';

describe('canonicalJson: the bytes the checksums cover', () => {
  it('sorts keys at every depth, writes no whitespace, escapes non-ASCII', () => {
    expect(canonicalJson({ b: 1, a: { d: [true, null], c: 'é✓' } })).toBe(
      '{"a":{"c":"\\u00e9\\u2713","d":[true,null]},"b":1}',
    );
    expect(canonicalJson(-0)).toBe('0');
    expect(canonicalJson('\u007f\ud83d\ude00')).toBe('"\\u007f\\ud83d\\ude00"');
  });

  it('equal values give identical text whatever the key order; the text parses back to the value', () => {
    expect(canonicalJson(reverseKeys(JSON.parse('{"__proto__":false,"a":1}')))).toBe(
      '{"__proto__":false,"a":1}',
    );
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

  it('writes every string as JSON.stringify does with non-ASCII escaped, on the plain fast path and off it', () => {
    const reference = (x: string): string =>
      JSON.stringify(x).replace(
        /[\u007f-\uffff]/g,
        (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
      );
    for (const x of [
      '',
      'vm0',
      'a"b',
      'a\\b',
      'tab\there',
      '\u001f',
      '~',
      '\u007f',
      'x'.repeat(64),
      'x'.repeat(65),
    ])
      expect(canonicalString(x)).toBe(reference(x));
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 80 }), (x) => {
        expect(canonicalString(x)).toBe(reference(x));
      }),
    );
    fc.assert(
      fc.property(
        fc.string({ unit: fc.integer({ min: 0x1c, max: 0x80 }).map((c) => String.fromCharCode(c)) }),
        (x) => {
          expect(canonicalString(x)).toBe(reference(x));
        },
      ),
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
  const out: Record<string, unknown> = {};
  // defineProperty: a key named __proto__ must become an own property, as JSON.parse makes it.
  for (const k of Object.keys(v).reverse())
    Object.defineProperty(out, k, {
      value: reverseKeys((v as Record<string, unknown>)[k]),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  return out;
}
