import { bytesToHex } from './hexBytes.js';
import type { JsonValue } from './JsonValue.js';

/** Where `convert` is: the root's name, then object keys and array indexes, rendered only for an error. */
type PathStack = (string | number)[];

/**
 * A value made JSON-safe the way records carry it: a bigint as `0x` + lowercase hex, bytes as
 * lowercase hex, `undefined` object fields left out, everything else as it is (keys in their
 * order). Throws a TypeError naming the path for what JSON cannot hold (a function, a symbol, a
 * non-finite number, `undefined` in an array, a class instance other than Uint8Array).
 *
 * @example
 * toJsonValue({ size: 0x200000n, data: new Uint8Array([1, 2]), rsvd: undefined }); // { size: '0x200000', data: '0102' }
 */
export function toJsonValue(value: unknown, path = '$'): JsonValue {
  return convert(value, [path]);
}

function convert(value: unknown, at: PathStack): JsonValue {
  switch (typeof value) {
    case 'bigint':
      return `0x${value.toString(16)}`;
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      if (!Number.isFinite(value))
        throw new TypeError(`${pathText(at)}: ${value} is not a finite number (JSON)`);
      return value;
    case 'object': {
      if (value === null) return null;
      if (value instanceof Uint8Array) return bytesToHex(value);
      if (Array.isArray(value)) {
        const out: JsonValue[] = [];
        for (let i = 0; i < value.length; i++) {
          at.push(i);
          out.push(convert(value[i], at));
          at.pop();
        }
        return out;
      }
      const proto: unknown = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null)
        throw new TypeError(`${pathText(at)}: not a plain object, bytes or array`);
      const out: Record<string, JsonValue> = {};
      const obj = value as Readonly<Record<string, unknown>>;
      for (const k of Object.keys(obj)) {
        const v = obj[k];
        if (v === undefined) continue;
        at.push(k);
        const j = convert(v, at);
        at.pop();
        // An own "__proto__" field, as JSON.parse makes it (assigning it would set the prototype).
        if (k === '__proto__')
          Object.defineProperty(out, k, { value: j, enumerable: true, writable: true, configurable: true });
        else out[k] = j;
      }
      return out;
    }
    default:
      throw new TypeError(`${pathText(at)}: ${typeof value} is not JSON`);
  }
}

/** `$.a[0].b` from its pieces. */
function pathText(at: PathStack): string {
  let s = '';
  for (const [i, p] of at.entries()) s += i === 0 ? String(p) : typeof p === 'number' ? `[${p}]` : `.${p}`;
  return s;
}
