import type { JsonValue } from './JsonValue.js';

/** Characters JSON.stringify leaves raw that canonical text escapes: everything outside ASCII. */
const NON_ASCII = /[\u007f-\uffff]/g;

/** Strings up to this length are checked for the plain fast path. */
const PLAIN_MAX = 64;

const escapeChar = (c: string): string => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

/**
 * A JSON string literal in canonical form: JSON.stringify's escapes, plus `\uXXXX` for every
 * character from U+007F up, so canonical text is pure ASCII (one byte per character).
 *
 * @example
 * canonicalString('é'); // '"\\u00e9"'
 */
export function canonicalString(s: string): string {
  // Short printable ASCII without quote or backslash (names, states, events: most strings in a log)
  // is its own literal; checking it by code unit is cheaper than JSON.stringify plus a regex.
  if (s.length <= PLAIN_MAX) {
    let plain = true;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) {
        plain = false;
        break;
      }
    }
    if (plain) return `"${s}"`;
  }
  const text = JSON.stringify(s);
  return NON_ASCII.test(text) ? text.replace(NON_ASCII, escapeChar) : text;
}

/**
 * The canonical JSON text of a JSON value: object keys sorted by UTF-16 code unit, no whitespace,
 * numbers as JSON.stringify writes them (-0 as 0), strings as `canonicalString`. Equal values give
 * identical text, which is what the record checksums cover. Throws a TypeError naming the path
 * (`$.args.size`) for anything JSON cannot hold: undefined, a bigint, a non-finite number, a
 * function, a symbol, or an object that is not a plain object or array.
 *
 * @example
 * canonicalJson({ b: 1, a: [true, null, 'x'] }); // '{"a":[true,null,"x"],"b":1}'
 */
export function canonicalJson(value: unknown, path = '$'): string {
  return write(value, path, []);
}

/**
 * One value's canonical text. `keys` is the way down from `root` (array indexes and member names);
 * the path string is only built for an error message, so large documents cost no per-element paths.
 */
function write(value: unknown, root: string, keys: (string | number)[]): string {
  switch (typeof value) {
    case 'string':
      return canonicalString(value);
    case 'number':
      if (!Number.isFinite(value))
        throw new TypeError(`${pathOf(root, keys)}: ${value} is not a finite number (JSON)`);
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      throw new TypeError(`${pathOf(root, keys)}: bigint ${value}n is not JSON; write it as a string`);
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) {
        // Arrays of finite numbers (extent runs) are written by JSON.stringify in one call: the same
        // text as number by number (it writes -0 as 0 too).
        if (value.every(isFiniteNumber)) return JSON.stringify(value);
        let text = '[';
        for (let i = 0; i < value.length; i += 1) {
          keys.push(i);
          text += i === 0 ? write(value[i], root, keys) : `,${write(value[i], root, keys)}`;
          keys.pop();
        }
        return `${text}]`;
      }
      const proto: unknown = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null)
        throw new TypeError(`${pathOf(root, keys)}: ${describe(value)} is not a plain object (JSON)`);
      const obj = value as Readonly<Record<string, unknown>>;
      // The default sort orders strings by UTF-16 code unit, as compareKeys does, without a callback.
      const names = Object.keys(obj).sort();
      let text = '{';
      let sep = '';
      for (const k of names) {
        keys.push(k);
        text += `${sep}${keyLiteral(k)}:${write(obj[k], root, keys)}`;
        sep = ',';
        keys.pop();
      }
      return `${text}}`;
    }
    default:
      throw new TypeError(`${pathOf(root, keys)}: ${typeof value} is not JSON`);
  }
}

/** Member names repeat across records (`kind`, `machine`, `context`, …): their literals, kept. */
const KEY_LITERALS = new Map<string, string>();
/** Names kept at most: a document of unbounded distinct names must not grow the cache unboundedly. */
const KEY_LITERALS_MAX = 4096;

function keyLiteral(k: string): string {
  let literal = KEY_LITERALS.get(k);
  if (literal === undefined) {
    literal = canonicalString(k);
    if (KEY_LITERALS.size < KEY_LITERALS_MAX) KEY_LITERALS.set(k, literal);
  }
  return literal;
}

function isFiniteNumber(v: unknown): boolean {
  return typeof v === 'number' && Number.isFinite(v);
}

function pathOf(root: string, keys: readonly (string | number)[]): string {
  let p = root;
  for (const k of keys) p += typeof k === 'number' ? `[${k}]` : `.${k}`;
  return p;
}

/**
 * Key order of canonical objects: by UTF-16 code unit, the default sort order of strings.
 *
 * @example
 * ['b', 'A', 'a'].sort(compareKeys); // ['A', 'a', 'b']
 */
export function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Check that a value is JSON (the same rules as `canonicalJson`), returning it typed.
 *
 * @example
 * asJsonValue({ size: 1n }, '$.args');
 * // throws a TypeError: '$.args.size: bigint 1n is not JSON; write it as a string'
 */
export function asJsonValue(value: unknown, path: string): JsonValue {
  canonicalJson(value, path);
  return value as JsonValue;
}

function describe(value: object): string {
  const name = (value.constructor as { name?: unknown } | undefined)?.name;
  return typeof name === 'string' && name !== '' ? `a ${name}` : 'an object with a prototype';
}
