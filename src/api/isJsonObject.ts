import type { JsonObject, JsonValue } from '../log/JsonValue.js';

/**
 * Whether a JSON value is an object (not null, not an array); narrows readonly arrays too, which
 * `Array.isArray` does not.
 *
 * @example
 * isJsonObject({ fd: 3 }); // true
 */
export function isJsonObject(v: JsonValue | undefined): v is JsonObject {
  return v !== null && v !== undefined && typeof v === 'object' && !Array.isArray(v);
}
