import { Buffer } from 'node:buffer';

const UPPER_HEX = /[A-F]/;
const WORD = /^0x[0-9a-f]{16}$/;

/**
 * Bytes as lowercase hex, two digits per byte, no separators.
 *
 * @example
 * bytesToHex(new Uint8Array([1, 0xab])); // '01ab'
 */
export function bytesToHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/**
 * Lowercase hex back to bytes; null when the text is not an even number of lowercase hex digits.
 *
 * @example
 * hexToBytes('01ab'); // Uint8Array [1, 171]
 */
export function hexToBytes(text: string): Uint8Array | null {
  // Buffer.from decodes up to the first pair that is not hex, so a full-length result means every
  // digit was hex. It also takes uppercase digits, and reads a character above U+00FF by its low
  // byte; the checks around it exclude both, and cost a fraction of a whole-string pattern match
  // (the log's hypercall pages are most of its text).
  if (text.length % 2 !== 0 || UPPER_HEX.test(text) || Buffer.byteLength(text, 'utf8') !== text.length)
    return null;
  const b = Buffer.from(text, 'hex');
  if (b.length * 2 !== text.length) return null;
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/**
 * A u64 word as `0x` + 16 lowercase hex digits (the trace's form).
 *
 * @example
 * wordToHex(0x10040n); // '0x0000000000010040'
 */
export function wordToHex(word: bigint): string {
  return `0x${word.toString(16).padStart(16, '0')}`;
}

/**
 * `0x` + 16 lowercase hex digits back to a u64; null for any other text.
 *
 * @example
 * hexToWord('0x000000000000001f'); // 31n; hexToWord('0x1f') is null
 */
export function hexToWord(text: string): bigint | null {
  return WORD.test(text) ? BigInt(text) : null;
}
