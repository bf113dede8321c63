/**
 * The message of something thrown, for reports: an Error's message, a string as it is, anything else
 * as JSON text (or its type when it has none).
 *
 * @example
 * errorText(new Error('nested window')); // 'nested window'
 */
export function errorText(e: unknown): string {
  if (e instanceof Error) return e.message;
  if (typeof e === 'string') return e;
  if (e === undefined || typeof e === 'function' || typeof e === 'symbol') return typeof e;
  try {
    return JSON.stringify(e);
  } catch {
    return typeof e;
  }
}
