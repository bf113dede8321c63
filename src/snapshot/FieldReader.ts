import { childPath } from '../scenario/jsonPath.js';
import { describeJson } from '../scenario/parseNumber.js';
import { SnapshotError } from './SnapshotError.js';

const WORD = /^0x[0-9a-f]{16}$/;
const TWO_64 = 1n << 64n;

/**
 * A 64-bit word as snapshots write it: `0x` and exactly 16 lowercase hex digits. Negative values
 * (signed fields such as a reference-time offset) are written in two's complement.
 *
 * @example
 * hexWord64(255n); // '0x00000000000000ff'
 * hexWord64(-1n); // '0xffffffffffffffff'
 */
export function hexWord64(value: bigint): string {
  if (value < -(1n << 63n) || value >= TWO_64)
    throw new RangeError(`hexWord64: ${value} does not fit 64 bits`);
  return `0x${BigInt.asUintN(64, value).toString(16).padStart(16, '0')}`;
}

/**
 * Read a 64-bit word written by `hexWord64`; `signed` reads it back as a two's-complement i64.
 *
 * @example
 * readWord('0xffffffffffffffff', '$.offset', true); // -1n
 */
export function readWord(value: unknown, path: string, signed = false): bigint {
  if (typeof value !== 'string')
    throw new SnapshotError(path, 'type', `expected a 64-bit word string, got ${describeJson(value)}`);
  if (!WORD.test(value))
    throw new SnapshotError(path, 'hex', `'${value}' is not 0x and 16 lowercase hex digits`);
  const u = BigInt(value);
  return signed ? BigInt.asIntN(64, u) : u;
}

/**
 * Read an integer in [min, max] (both safe integers).
 *
 * @example
 * readInt(3, '$.fd', 3); // 3
 */
export function readInt(value: unknown, path: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number')
    throw new SnapshotError(path, 'type', `expected an integer, got ${describeJson(value)}`);
  if (!Number.isSafeInteger(value)) throw new SnapshotError(path, 'range', `${value} is not a safe integer`);
  if (value < min || value > max)
    throw new SnapshotError(path, 'range', `${value} is not in [${min}, ${max}]`);
  return value;
}

/**
 * Read a finite number in [min, max] (rates, probabilities).
 *
 * @example
 * readNumber(0.5, '$.asyncPropertyRate', 0, 1); // 0.5
 */
export function readNumber(value: unknown, path: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw new SnapshotError(path, 'type', `expected a finite number, got ${describeJson(value)}`);
  if (value < min || value > max)
    throw new SnapshotError(path, 'range', `${value} is not in [${min}, ${max}]`);
  return value;
}

/**
 * Read a JSON boolean.
 *
 * @example
 * readBool(true, '$.halted'); // true
 */
export function readBool(value: unknown, path: string): boolean {
  if (typeof value !== 'boolean')
    throw new SnapshotError(path, 'type', `expected true or false, got ${describeJson(value)}`);
  return value;
}

/**
 * Read a JSON string.
 *
 * @example
 * readString('vm0', '$.partitions[0][0]'); // 'vm0'
 */
export function readString(value: unknown, path: string): string {
  if (typeof value !== 'string')
    throw new SnapshotError(path, 'type', `expected a string, got ${describeJson(value)}`);
  return value;
}

/**
 * Read one of a fixed set of strings.
 *
 * @example
 * readOneOf('idle', '$.thread', ['idle', 'blocked'] as const); // 'idle'
 */
export function readOneOf<const V extends string>(value: unknown, path: string, values: readonly V[]): V {
  const s = readString(value, path);
  const found = values.find((v) => v === s);
  if (found === undefined)
    throw new SnapshotError(path, 'range', `'${s}' is not one of ${values.join(', ')}`);
  return found;
}

/**
 * Read a JSON array, optionally of an exact length or a multiple of `stride` (flat tuples).
 *
 * @example
 * readArray([1, 2], '$.runs', { stride: 2 }); // [1, 2]
 */
export function readArray(
  value: unknown,
  path: string,
  shape: { readonly length?: number; readonly stride?: number } = {},
): readonly unknown[] {
  if (!Array.isArray(value))
    throw new SnapshotError(path, 'type', `expected an array, got ${describeJson(value)}`);
  if (shape.length !== undefined && value.length !== shape.length)
    throw new SnapshotError(path, 'range', `has ${value.length} elements, expected ${shape.length}`);
  if (shape.stride !== undefined && value.length % shape.stride !== 0)
    throw new SnapshotError(path, 'range', `has ${value.length} elements, not a multiple of ${shape.stride}`);
  return value as readonly unknown[];
}

/**
 * Read a JSON array element by element, each under its own path.
 *
 * @example
 * readEach([1, 2], '$.xs', (v, p) => readInt(v, p)); // [1, 2]
 */
export function readEach<T>(
  value: unknown,
  path: string,
  read: (item: unknown, path: string, index: number) => T,
  shape?: { readonly length?: number },
): T[] {
  return readArray(value, path, shape).map((item, i) => read(item, childPath(path, i), i));
}

/**
 * Reads the fields of one JSON object, each under its own path, and refuses fields nobody read
 * (`end()`): a snapshot part has exactly the fields its codec writes.
 *
 * @example
 * const r = FieldReader.of({ v: 1, fd: 3 }, '$.device', 'the device', 1);
 * r.int('fd', 3); // 3
 * r.end();
 */
export class FieldReader {
  readonly #obj: Readonly<Record<string, unknown>>;
  readonly #read = new Set<string>();
  #version: number | undefined;

  private constructor(
    obj: Readonly<Record<string, unknown>>,
    readonly at: string,
    readonly what: string,
  ) {
    this.#obj = obj;
  }

  /**
   * A reader over `value`, which must be an object. With `version` (one version, or every version
   * the codec still reads), its `v` must be one of them; `reader.version` tells which.
   *
   * @example
   * FieldReader.of({ v: 2, tail: 0 }, '$.driver', 'the driver', [1, 2]).version; // 2
   */
  static of(value: unknown, path: string, what: string, version?: number | readonly number[]): FieldReader {
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      throw new SnapshotError(path, 'type', `expected ${what} (an object), got ${describeJson(value)}`);
    const r = new FieldReader(value as Record<string, unknown>, path, what);
    if (version !== undefined) {
      const accepted = typeof version === 'number' ? [version] : version;
      const v = r.int('v', 0);
      if (!accepted.includes(v))
        throw new SnapshotError(
          r.path('v'),
          'version',
          `${what} version ${v} is not ${accepted.join(' or ')} (this build)`,
        );
      r.#version = v;
    }
    return r;
  }

  /** The part's `v` when `of` was given versions to accept (a codec reading an older one fills defaults). */
  get version(): number | undefined {
    return this.#version;
  }

  /** The path of field `name`. */
  path(name: string): string {
    return childPath(this.at, name);
  }

  /**
   * The object's field names, in their JSON order.
   *
   * @example
   * FieldReader.of({ a: 1 }, '$', 'rates').keys(); // ['a']
   */
  keys(): string[] {
    return Object.keys(this.#obj);
  }

  has(name: string): boolean {
    return Object.hasOwn(this.#obj, name);
  }

  /** The raw value of a required field. */
  raw(name: string): unknown {
    if (!this.has(name))
      throw new SnapshotError(this.path(name), 'required', `missing field '${name}' of ${this.what}`);
    this.#read.add(name);
    return this.#obj[name];
  }

  int(name: string, min?: number, max?: number): number {
    return readInt(this.raw(name), this.path(name), min, max);
  }

  number(name: string, min: number, max: number): number {
    return readNumber(this.raw(name), this.path(name), min, max);
  }

  word(name: string): bigint {
    return readWord(this.raw(name), this.path(name));
  }

  signedWord(name: string): bigint {
    return readWord(this.raw(name), this.path(name), true);
  }

  bool(name: string): boolean {
    return readBool(this.raw(name), this.path(name));
  }

  string(name: string): string {
    return readString(this.raw(name), this.path(name));
  }

  oneOf<const V extends string>(name: string, values: readonly V[]): V {
    return readOneOf(this.raw(name), this.path(name), values);
  }

  array(name: string, shape?: { readonly length?: number; readonly stride?: number }): readonly unknown[] {
    return readArray(this.raw(name), this.path(name), shape);
  }

  /** Field `name` as an array read element by element (see readEach). */
  each<T>(
    name: string,
    read: (item: unknown, path: string, index: number) => T,
    shape?: { readonly length?: number },
  ): T[] {
    return readEach(this.raw(name), this.path(name), read, shape);
  }

  object(name: string, what: string, version?: number): FieldReader {
    return FieldReader.of(this.raw(name), this.path(name), what, version);
  }

  /** Refuse any field no method read. */
  end(): void {
    for (const key of Object.keys(this.#obj)) {
      if (!this.#read.has(key))
        throw new SnapshotError(this.path(key), 'unknown-field', `unknown field '${key}' in ${this.what}`);
    }
  }
}
