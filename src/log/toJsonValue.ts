import { bytesToHex } from './hexBytes.js';
import type { JsonValue } from './JsonValue.js';

/**
 * A value made JSON-safe the way records carry it: a bigint as `0x` + lowercase hex, bytes as
 * lowercase hex, `undefined` object fields left out, everything else as it is. Throws a TypeError
 * naming the path for what JSON cannot hold (a function, a symbol, a non-finite number, a class
 * instance other than Uint8Array).
 *
 * @example
 * toJsonValue({ size: 0x200000n, data: new Uint8Array([1, 2]), rsvd: undefined }); // { size: '0x200000', data: '0102' }
 */
export function toJsonValue(value: unknown, path = '$'): JsonValue {
  switch (typeof value) {
    case 'bigint':
      return `0x${value.toString(16)}`;
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`${path}: ${value} is not a finite number (JSON)`);
      return value;
    case 'object': {
      if (value === null) return null;
      if (value instanceof Uint8Array) return bytesToHex(value);
      if (Array.isArray(value)) return value.map((v: unknown, i) => toJsonValue(v, `${path}[${i}]`));
      const proto: unknown = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null)
        throw new TypeError(`${path}: not a plain object, bytes or array`);
      const out: Record<string, JsonValue> = {};
      for (const [k, v] of Object.entries(value))
        if (v !== undefined) out[k] = toJsonValue(v, `${path}.${k}`);
      return out;
    }
    default:
      throw new TypeError(`${path}: ${typeof value} is not JSON`);
  }
}
