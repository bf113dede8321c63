import { describeJson, type IntWidth, parseNumber } from './parseNumber.js';
import { childPath } from './jsonPath.js';
import { ScenarioError } from './ScenarioError.js';

/** A JSON value as scenarioToJson produces it. */
export type Json = null | boolean | number | string | readonly Json[] | { readonly [key: string]: Json };

/**
 * How one scenario value is read from JSON and written back. `read` checks syntax, type, unit and
 * width and throws a ScenarioError naming `path`; `write` produces JSON that `read` maps back to the
 * same value (the round-trip property the tests check).
 */
export interface Codec<T> {
  /** What the JSON looks like, for messages and docs: `u32`, `string`, `list of u8`. */
  readonly expected: string;
  read(value: unknown, path: string): T;
  write(value: T): Json;
}

/** Widths whose values are JS numbers. */
export type SmallWidth = Exclude<IntWidth, 'u64'>;

/**
 * An integer field up to 32 bits, as a number; `min` is a format rule (not a driver rule).
 *
 * @example
 * int('u32').read('0x10', '$.vpIndex'); // 16
 */
export function int(width: SmallWidth, min?: number): Codec<number> {
  return {
    expected: width,
    read(value, path) {
      const n = Number(parseNumber(value, width, path));
      if (min !== undefined && n < min)
        throw new ScenarioError(path, 'range', `${n} is below the minimum ${min}`);
      return n;
    },
    write: (value) => value,
  };
}

/**
 * A 64-bit field, as a bigint; written back as a 0x hex string.
 *
 * @example
 * u64().read('1GiB', '$.size'); // 1073741824n
 */
export function u64(): Codec<bigint> {
  return {
    expected: 'u64',
    read: (value, path) => parseNumber(value, 'u64', path),
    write: (value) => `0x${value.toString(16)}`,
  };
}

/**
 * A 64-bit byte count, as a bigint; written back with the largest binary unit that divides it.
 *
 * @example
 * bytes().write(0x40000000n); // '1GiB'
 */
export function bytes(): Codec<bigint> {
  const base = u64();
  const units = [
    ['TiB', 40n],
    ['GiB', 30n],
    ['MiB', 20n],
    ['KiB', 10n],
  ] as const;
  return {
    expected: 'u64 (bytes)',
    read: (value, path) => base.read(value, path),
    write(value) {
      const unit = units.find(([, shift]) => value !== 0n && value % (1n << shift) === 0n);
      return unit === undefined ? base.write(value) : `${value >> unit[1]}${unit[0]}`;
    },
  };
}

/**
 * An integer that must be one of `values` (a format rule such as an access size).
 *
 * @example
 * intOneOf([1, 2, 4] as const, 'u8').read(2, '$.size'); // 2
 */
export function intOneOf<const V extends number>(values: readonly V[], width: SmallWidth): Codec<V> {
  return {
    expected: `one of ${values.join(', ')}`,
    read(value, path) {
      const n = Number(parseNumber(value, width, path));
      const found = values.find((v) => v === n);
      if (found === undefined)
        throw new ScenarioError(path, 'range', `${n} is not one of ${values.join(', ')}`);
      return found;
    },
    write: (value) => value,
  };
}

/** A JSON boolean. */
export const bool: Codec<boolean> = {
  expected: 'boolean',
  read(value, path) {
    if (typeof value !== 'boolean')
      throw new ScenarioError(path, 'type', `expected true or false, got ${describeJson(value)}`);
    return value;
  },
  write: (value) => value,
};

/**
 * A JSON string; `nonEmpty` for names.
 *
 * @example
 * text(true).read('vm0', '$.steps[0].partition'); // 'vm0'
 */
export function text(nonEmpty = false): Codec<string> {
  return {
    expected: 'string',
    read(value, path) {
      if (typeof value !== 'string')
        throw new ScenarioError(path, 'type', `expected a string, got ${describeJson(value)}`);
      if (nonEmpty && value.length === 0) throw new ScenarioError(path, 'empty', 'must not be empty');
      return value;
    },
    write: (value) => value,
  };
}

/**
 * One of a fixed set of names (errno names, hypercall names, scheduler names).
 *
 * @example
 * oneOf(['lp', 'root'] as const, 'scheduler').read('root', '$.hypervisor.scheduler'); // 'root'
 */
export function oneOf<const V extends string>(values: readonly V[], what: string): Codec<V> {
  return {
    expected: `${what} name`,
    read(value, path) {
      if (typeof value !== 'string') {
        throw new ScenarioError(path, 'type', `expected a ${what} name (string), got ${describeJson(value)}`);
      }
      const found = values.find((v) => v === value);
      if (found === undefined) throw unknownName(path, what, value, values);
      return found;
    },
    write: (value) => value,
  };
}

/**
 * The error for a name not in its table, with a suggestion when one is close.
 *
 * @example
 * unknownName('$.expect', 'errno', 'einval', ['EINVAL', 'EIO']).message;
 * // "$.expect: unknown errno 'einval', did you mean 'EINVAL'? (known: EINVAL, EIO)"
 */
export function unknownName(
  path: string,
  what: string,
  name: string,
  known: readonly string[],
  rule: 'unknown-name' | 'unknown-op' = 'unknown-name',
): ScenarioError {
  const hint = didYouMean(name, known);
  const list = known.length <= 24 ? ` (known: ${known.join(', ')})` : '';
  return new ScenarioError(path, rule, `unknown ${what} '${name}'${hint}${list}`);
}

/**
 * `, did you mean 'X'?` when `name` matches a known name up to case, `-`/`_` and a leading `-`
 * or prefix; empty otherwise.
 *
 * @example
 * didYouMean('-einval', ['EINVAL', 'EIO']); // ", did you mean 'EINVAL'?"
 */
export function didYouMean(name: string, known: readonly string[]): string {
  const norm = (s: string): string =>
    s
      .toUpperCase()
      .replace(/^-|^(HV_STATUS_|HVCALL_|MSHV_[A-Z]+_BIT_)/, '')
      .replaceAll('-', '_');
  const match = known.find((k) => norm(k) === norm(name));
  return match === undefined ? '' : `, did you mean '${match}'?`;
}

/**
 * A JSON array of items; `length` makes it a fixed-size uapi array (`rsvd[7]`).
 *
 * @example
 * list(int('u8'), 3).read([0, 0, 0], '$.rsvd'); // [0, 0, 0]
 */
export function list<T>(item: Codec<T>, length?: number): Codec<readonly T[]> {
  return {
    expected: length === undefined ? `list of ${item.expected}` : `list of ${length} ${item.expected}`,
    read(value, path) {
      if (!Array.isArray(value))
        throw new ScenarioError(path, 'type', `expected a list, got ${describeJson(value)}`);
      if (length !== undefined && value.length !== length) {
        throw new ScenarioError(path, 'length', `has ${value.length} elements; the uapi array has ${length}`);
      }
      return value.map((v: unknown, i) => item.read(v, childPath(path, i)));
    },
    write: (value) => value.map((v) => item.write(v)),
  };
}

/**
 * Bytes written as a string of hex digit pairs; whitespace may separate pairs (and surround the
 * whole), never the two digits of one byte: `'0a 0b'` is two bytes, `'0 a'` is refused (rule `hex`).
 *
 * @example
 * hexBytes(0xffff, 'in_sz (u16)').read('0a0b 0c', '$.input'); // Uint8Array [10, 11, 12]
 */
export function hexBytes(bytesMax: number, sizeField: string): Codec<Uint8Array> {
  return {
    expected: 'hex string',
    read(value, path) {
      if (typeof value !== 'string') {
        throw new ScenarioError(path, 'type', `expected a string of hex bytes, got ${describeJson(value)}`);
      }
      const digits = hexDigits(value, path);
      if (digits.length % 2 !== 0)
        throw new ScenarioError(path, 'hex', `odd number of hex digits (${digits.length})`);
      if (digits.length / 2 > bytesMax) {
        throw new ScenarioError(path, 'width', `${digits.length / 2} bytes do not fit ${sizeField}`);
      }
      return Uint8Array.from({ length: digits.length / 2 }, (_, i) =>
        parseInt(digits.slice(2 * i, 2 * i + 2), 16),
      );
    },
    write: (value) => Array.from(value, (b) => b.toString(16).padStart(2, '0')).join(''),
  };
}

/** The hex digits of a byte string, refusing other characters and whitespace inside a byte. */
function hexDigits(value: string, path: string): string {
  let digits = '';
  for (let i = 0; i < value.length; i++) {
    const c = value[i] ?? '';
    if (/[0-9a-fA-F]/.test(c)) {
      digits += c;
      continue;
    }
    if (!/\s/.test(c))
      throw new ScenarioError(path, 'hex', `'${c}' is not a hex digit (write bytes as hex pairs, no 0x)`);
    if (digits.length % 2 === 0) continue;
    let end = i;
    while (end < value.length && /\s/.test(value[end] ?? '')) end++;
    const split = value.slice(i - 1, end + 1);
    throw new ScenarioError(
      path,
      'hex',
      `${JSON.stringify(split)} splits a byte (after hex digit ${digits.length}); whitespace goes only between pairs of hex digits`,
    );
  }
  return digits;
}
