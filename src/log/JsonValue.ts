/**
 * A value that survives JSON text unchanged: what intent arguments, operation arguments, result
 * values and snapshots hold. 64-bit integers travel as strings (decimal or 0x hex, the caller's
 * choice), bytes as hex strings.
 */
export type JsonValue = null | boolean | number | string | readonly JsonValue[] | JsonObject;

/** A JSON object with string keys. */
export interface JsonObject {
  readonly [key: string]: JsonValue;
}
