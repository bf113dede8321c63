import { argumentError } from './HostError.js';
import { failure, type Result } from './Result.js';

/**
 * The refusal of an API argument that must be an object and is not (undefined, null, a number, an
 * array), naming the argument and what was expected; undefined when it is one. JavaScript callers
 * get the one error type instead of a TypeError from deep inside the call.
 *
 * @example
 * objectArg('partition.mapMemory', 'spec', undefined, 'a MapMemorySpec { guestPfn, size, userAddr }');
 * // { ok: false, error: { field: 'spec', rule: 'object', errnoName: 'EINVAL', ... } }
 */
export function objectArg(
  op: string,
  field: string,
  value: unknown,
  expected: string,
): Result<never> | undefined {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) return undefined;
  const got = value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
  return failure(argumentError(op, field, 'object', `expected ${expected}, got ${got}`));
}
