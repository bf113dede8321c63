import type { HostError } from './HostError.js';

/**
 * What every Host API call returns: the value, or the one error type. Operating errors are values;
 * only a broken invariant throws.
 *
 * @example
 * const r = partition.initialize();
 * if (!r.ok) console.error(r.error.errnoName, r.error.message);
 */
export type Result<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: HostError };

/**
 * A successful Result.
 *
 * @example
 * success(3); // { ok: true, value: 3 }
 */
export function success<T>(value: T): Result<T> {
  return { ok: true, value };
}

/**
 * A failed Result.
 *
 * @example
 * failure(argumentError('vp.setState', 'part', 'knownPart', "'GPRS' is not a VP state part"));
 */
export function failure<T = never>(error: HostError): Result<T> {
  return { ok: false, error };
}
