import { Buffer } from 'node:buffer';

/** Up to this length a loop compares faster than a call into the runtime. */
const LOOP_MAX = 64;

/**
 * Byte-for-byte equality (null equals only null). Replay compares every hypercall's input and
 * output, up to a page each: short arrays (fast-call registers, small outputs) in a loop, longer
 * ones natively (`Buffer.compare` takes any Uint8Array, so nothing is wrapped).
 *
 * @example
 * sameBytes(new Uint8Array([1, 2]), new Uint8Array([1, 2])); // true
 */
export function sameBytes(a: Uint8Array | null, b: Uint8Array | null): boolean {
  if (a === null || b === null) return a === b;
  const n = a.length;
  if (n !== b.length) return false;
  if (n <= LOOP_MAX) {
    for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
    return true;
  }
  return Buffer.compare(a, b) === 0;
}
