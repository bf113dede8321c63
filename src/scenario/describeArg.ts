/**
 * A caller's argument as an error message shows it: JSON for what JSON holds (strings quoted), a
 * number as written (NaN too), a bigint with its `n`, and the type for anything else (a symbol, a
 * function, a cycle). Never throws: `JSON.stringify` alone throws on a bigint, which turned an
 * EINVAL into a TypeError.
 *
 * @example
 * describeArg(5n); // '5n'; describeArg('x'); // '"x"'; describeArg({ a: 1n }); // '{"a":"1n"}'
 */
export function describeArg(value: unknown): string {
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'number') return String(value); // NaN and Infinity as themselves, not null
  if (value === undefined || typeof value === 'symbol' || typeof value === 'function') return typeof value;
  try {
    return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));
  } catch {
    return typeof value;
  }
}
