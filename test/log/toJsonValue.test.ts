import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bytesToHex } from '../../src/log/hexBytes.js';
import { toJsonValue } from '../../src/log/toJsonValue.js';

/** The same conversion through JSON text: what intents carried before `toJsonValue` served them. */
function throughText(value: unknown): unknown {
  return JSON.parse(
    JSON.stringify(value, (_k, v: unknown) =>
      typeof v === 'bigint' ? `0x${v.toString(16)}` : v instanceof Uint8Array ? bytesToHex(v) : v,
    ),
  );
}

const leaf = fc.oneof(
  fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.string(),
  fc.boolean(),
  fc.constant(null),
  fc.uint8Array({ maxLength: 8 }),
);
const { value } = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, leaf, tie('array'), tie('object')),
  array: fc.array(tie('value'), { maxLength: 4 }),
  object: fc.dictionary(
    fc.oneof(fc.string(), fc.constant('__proto__')),
    fc.option(tie('value'), { nil: undefined }),
    { maxKeys: 4 },
  ),
}));

describe('toJsonValue: values as records carry them', () => {
  it('gives what JSON text would, key order included (bigint as 0x hex, bytes as hex, undefined fields left out)', () => {
    fc.assert(
      fc.property(value, (v) => {
        expect(JSON.stringify(toJsonValue(v))).toBe(JSON.stringify(throughText(v)));
      }),
    );
  });

  it('refuses what JSON cannot hold, naming where it is', () => {
    expect(() => toJsonValue({ a: [1, { b: Number.NaN }] }, 'guest.exits')).toThrow(
      new TypeError('guest.exits.a[1].b: NaN is not a finite number (JSON)'),
    );
    expect(() => toJsonValue([0, undefined])).toThrow(new TypeError('$[1]: undefined is not JSON'));
    expect(() => toJsonValue({ f: () => 0 })).toThrow(new TypeError('$.f: function is not JSON'));
    expect(() => toJsonValue({ d: new Date(0) })).toThrow(
      new TypeError('$.d: not a plain object, bytes or array'),
    );
    expect(() => toJsonValue(Symbol('s'))).toThrow(new TypeError('$: symbol is not JSON'));
  });
});
