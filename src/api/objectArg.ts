import { argumentError } from './HostError.js';
import { failure, type Result } from './Result.js';

/**
 * The refusal of an API argument that must be an object and is not (undefined, null, a number, an
 * array), naming the argument and what was expected; undefined when it is one. JavaScript callers
 * get the one error type instead of a TypeError from deep inside the call. With `known`, a member
 * it does not list is refused too (EINVAL `unknown-field`, naming `field.member`): a misspelt
 * `writeable` would otherwise map a region read-only without a word. Only own enumerable members
 * count, so a class instance's methods never do.
 *
 * @example
 * objectArg('partition.mapMemory', 'spec', undefined, 'a MapMemorySpec { guestPfn, size, userAddr }');
 * // { ok: false, error: { field: 'spec', rule: 'object', errnoName: 'EINVAL', ... } }
 * objectArg('partition.createVp', 'options', { restor: true }, 'options { restore? }', ['restore']);
 * // { ok: false, error: { field: 'options.restor', rule: 'unknown-field', ... } }
 */
export function objectArg(
  op: string,
  field: string,
  value: unknown,
  expected: string,
  known?: readonly string[],
): Result<never> | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    const got = value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
    return failure(argumentError(op, field, 'object', `expected ${expected}, got ${got}`));
  }
  if (known === undefined) return undefined;
  for (const member of Object.keys(value))
    if (!known.includes(member))
      return failure(
        argumentError(
          op,
          `${field}.${member}`,
          'unknown-field',
          `unknown field '${member}' in ${expected} (known: ${known.join(', ')})`,
        ),
      );
  return undefined;
}
