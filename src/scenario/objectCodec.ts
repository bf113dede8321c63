import { type Codec, didYouMean, type Json } from './Codec.js';
import { childPath } from './jsonPath.js';
import { describeJson } from './parseNumber.js';
import { ScenarioError } from './ScenarioError.js';

/** Whether a field must appear, gets a fallback value when absent, or stays absent. */
export type Presence = 'required' | 'defaulted' | 'optional';

export interface FieldSpec<T, P extends Presence = Presence> {
  readonly codec: Codec<T>;
  readonly presence: P;
  /** The value of an absent `defaulted` field. */
  readonly fallback?: T;
}

/**
 * A field that must appear.
 *
 * @example
 * readFields({}, '$.model', { crash: required(bool) }, 'a model');
 * // throws "$.model.crash: missing required field 'crash' of a model (boolean)"
 */
export const required = <T>(codec: Codec<T>): FieldSpec<T, 'required'> => ({ codec, presence: 'required' });
/**
 * A field that, when absent, takes `fallback` (and is left out again when written).
 *
 * @example
 * readFields({}, '$.model', { crash: defaulted(bool, false) }, 'a model'); // { crash: false }
 */
export const defaulted = <T>(codec: Codec<T>, fallback: T): FieldSpec<T, 'defaulted'> => ({
  codec,
  presence: 'defaulted',
  fallback,
});
/**
 * A field that stays absent when absent.
 *
 * @example
 * readFields({}, '$.model', { crash: optional(bool) }, 'a model'); // {}
 */
export const optional = <T>(codec: Codec<T>): FieldSpec<T, 'optional'> => ({ codec, presence: 'optional' });

/**
 * The field table of an object type: optional properties need an `optional` field, the others a
 * `required` or `defaulted` one. The compiler checks a table against the interface it reads.
 */
export type SpecFor<T> = {
  readonly [K in keyof T]-?: K extends OptionalKeys<T>
    ? FieldSpec<Exclude<T[K], undefined>, 'optional'>
    : FieldSpec<T[K], 'required' | 'defaulted'>;
};

type OptionalKeys<T> = { [K in keyof T]-?: T extends Record<K, T[K]> ? never : K }[keyof T];

/** A field table whose value type is not known statically (the tables of a discriminated union). */
export type LooseSpec = Readonly<Record<string, FieldSpec<unknown>>>;

/**
 * The value as a JSON object, or a `type` error.
 *
 * @example
 * expectObject({ op: 'createVp' }, '$.steps[0]', 'a step'); // { op: 'createVp' }
 */
export function expectObject(value: unknown, path: string, what: string): Readonly<Record<string, unknown>> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ScenarioError(path, 'type', `expected ${what} (an object), got ${describeJson(value)}`);
  }
  return value as Record<string, unknown>;
}

/**
 * Reject any member not in `allowed`, naming it, its path and the fields that are allowed.
 *
 * @example
 * checkFields({ vpindex: 0 }, '$.steps[3]', ['vpIndex'], 'a createVp step');
 * // throws "$.steps[3].vpindex: unknown field 'vpindex' in a createVp step, did you mean 'vpIndex'? ..."
 */
export function checkFields(
  obj: Readonly<Record<string, unknown>>,
  path: string,
  allowed: readonly string[],
  what: string,
): void {
  for (const key of Object.keys(obj)) {
    if (allowed.includes(key)) continue;
    const hint = didYouMean(key, allowed);
    throw new ScenarioError(
      childPath(path, key),
      'unknown-field',
      `unknown field '${key}' in ${what}${hint} (fields: ${allowed.join(', ')})`,
    );
  }
}

/**
 * Read the fields of `spec` from `obj` (after checkFields), filling defaults.
 *
 * @example
 * readFields({ vpIndex: '0x1' }, '$.steps[3]', { vpIndex: required(int('u32')) }, 'a createVp step');
 * // { vpIndex: 1 }
 */
export function readFields<T>(
  obj: Readonly<Record<string, unknown>>,
  path: string,
  spec: SpecFor<T>,
  what: string,
): T {
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(spec as LooseSpec)) {
    const p = childPath(path, key);
    if (!Object.hasOwn(obj, key)) {
      if (field.presence === 'required') {
        throw new ScenarioError(
          p,
          'required',
          `missing required field '${key}' of ${what} (${field.codec.expected})`,
        );
      }
      // A copy, so that no two loaded scenarios share a mutable default.
      if (field.presence === 'defaulted') out[key] = structuredClone(field.fallback);
      continue;
    }
    out[key] = field.codec.read(obj[key], p);
  }
  return out as T;
}

/**
 * Write the fields of `spec`, leaving out absent optional fields and defaulted fields equal to their
 * fallback.
 *
 * @example
 * writeFields({ vpIndex: 1 }, { vpIndex: required(int('u32')) }); // { vpIndex: 1 }
 */
export function writeFields<T>(value: T, spec: SpecFor<T> | LooseSpec): Record<string, Json> {
  const out: Record<string, Json> = {};
  const record = value as Readonly<Record<string, unknown>>;
  for (const [key, field] of Object.entries(spec as LooseSpec)) {
    const v = record[key];
    if (v === undefined) continue;
    const json = field.codec.write(v);
    if (
      field.presence === 'defaulted' &&
      JSON.stringify(json) === JSON.stringify(field.codec.write(field.fallback))
    ) {
      continue;
    }
    out[key] = json;
  }
  return out;
}

/**
 * A codec for a JSON object with exactly the fields of `spec`; `check` adds rules between fields.
 *
 * @example
 * objectCodec<{ gsi: number }>({ gsi: required(int('u32')) }, 'an MSI routing entry').read({ gsi: 1 }, '$.e'); // { gsi: 1 }
 */
export function objectCodec<T>(
  spec: SpecFor<T>,
  what: string,
  check?: (value: T, path: string) => void,
): Codec<T> {
  const allowed = Object.keys(spec);
  return {
    expected: what,
    read(value, path) {
      const obj = expectObject(value, path, what);
      checkFields(obj, path, allowed, what);
      const result = readFields(obj, path, spec, what);
      check?.(result, path);
      return result;
    },
    write: (value) => writeFields(value, spec),
  };
}
