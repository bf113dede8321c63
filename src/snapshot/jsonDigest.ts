import { canonicalJson, canonicalString, compareKeys } from '../log/canonicalJson.js';
import { checksumHex, type Fnv64State, fnv64Ascii, fnv64Init } from '../log/checksum.js';

/**
 * FNV-1a 64 (src/log/checksum.ts) of a JSON value's canonical text, as 16 hex digits: the digest of
 * record. Builds the whole text first.
 *
 * @example
 * canonicalDigest({ b: 1, a: 2 }) === canonicalDigest({ a: 2, b: 1 }); // true
 */
export function canonicalDigest(value: unknown): string {
  const s = fnv64Init();
  if (fnv64Ascii(s, canonicalJson(value)) !== -1) throw new Error('canonical JSON is not ASCII');
  return checksumHex(s);
}

/**
 * The same digest as `canonicalDigest`, computed without building the text: the value is walked
 * and the exact bytes `canonicalJson` would write are fed to the hash as they are produced (keys
 * sorted the same way, strings escaped by the same function, integers written digit by digit).
 * Equal input bytes give an equal FNV state, so the two agree on every value (a property test
 * checks it on arbitrary JSON and on snapshots); this one skips the multi-megabyte string and the
 * per-element paths a large snapshot would cost.
 *
 * @example
 * streamDigest([1, 'a', null]) === canonicalDigest([1, 'a', null]); // true
 */
export function streamDigest(value: unknown): string {
  const s = fnv64Init();
  feed(s, value, new Map());
  return checksumHex(s);
}

function feed(s: Fnv64State, value: unknown, keys: Map<string, string>): void {
  switch (typeof value) {
    case 'string':
      ascii(s, canonicalString(value));
      return;
    case 'number':
      if (Number.isSafeInteger(value)) integer(s, value);
      else if (Number.isFinite(value)) ascii(s, JSON.stringify(value));
      else throw new TypeError(`${value} is not a finite number (JSON)`);
      return;
    case 'boolean':
      ascii(s, value ? 'true' : 'false');
      return;
    case 'object': {
      if (value === null) {
        ascii(s, 'null');
        return;
      }
      if (Array.isArray(value)) {
        byte(s, 0x5b);
        for (let i = 0; i < value.length; i++) {
          if (i > 0) byte(s, 0x2c);
          feed(s, value[i], keys);
        }
        byte(s, 0x5d);
        return;
      }
      const proto: unknown = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) throw new TypeError('not a plain object (JSON)');
      const obj = value as Readonly<Record<string, unknown>>;
      const names = Object.keys(obj).sort(compareKeys);
      byte(s, 0x7b);
      for (let i = 0; i < names.length; i++) {
        const k = names[i] ?? '';
        if (i > 0) byte(s, 0x2c);
        let text = keys.get(k);
        if (text === undefined) {
          text = canonicalString(k);
          keys.set(k, text);
        }
        ascii(s, text);
        byte(s, 0x3a);
        feed(s, obj[k], keys);
      }
      byte(s, 0x7d);
      return;
    }
    default:
      throw new TypeError(`${typeof value} is not JSON`);
  }
}

function ascii(s: Fnv64State, text: string): void {
  if (fnv64Ascii(s, text) !== -1) throw new Error('canonical JSON is not ASCII');
}

const PRIME_LO = 0x1b3;
const TWO_32 = 0x1_0000_0000;

/** One FNV-1a step (the same arithmetic as src/log/checksum.ts). */
function byte(s: Fnv64State, b: number): void {
  const lo = (s.lo ^ b) >>> 0;
  const t = lo * PRIME_LO;
  s.hi = (Math.imul(s.hi, PRIME_LO) + ((t / TWO_32) | 0) + (lo << 8)) >>> 0;
  s.lo = t >>> 0;
}

const digits: number[] = [];

/** A safe integer's decimal digits as JSON.stringify writes them (-0 as 0). */
function integer(s: Fnv64State, n: number): void {
  if (n === 0) {
    byte(s, 0x30);
    return;
  }
  let v = n;
  if (v < 0) {
    byte(s, 0x2d);
    v = -v;
  }
  digits.length = 0;
  while (v > 0) {
    digits.push(v % 10);
    v = Math.floor(v / 10);
  }
  for (let i = digits.length - 1; i >= 0; i--) byte(s, 0x30 + (digits[i] ?? 0));
}
