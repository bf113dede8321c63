import { Buffer } from 'node:buffer';

/**
 * Byte-for-byte equality (null equals only null), compared natively: replay compares every
 * hypercall's input and output, up to a page each.
 *
 * @example
 * sameBytes(new Uint8Array([1, 2]), new Uint8Array([1, 2])); // true
 */
export function sameBytes(a: Uint8Array | null, b: Uint8Array | null): boolean {
  if (a === null || b === null) return a === b;
  if (a.length !== b.length) return false;
  return Buffer.from(a.buffer, a.byteOffset, a.length).equals(Buffer.from(b.buffer, b.byteOffset, b.length));
}
