import { Buffer } from 'node:buffer';

const HEX_BYTES = /^(?:[0-9a-f]{2})*$/;
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
  if (!HEX_BYTES.test(text)) return null;
  const b = Buffer.from(text, 'hex');
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

/** `0x` + 16 lowercase hex digits back to a u64; null for any other text. */
export function hexToWord(text: string): bigint | null {
  return WORD.test(text) ? BigInt(text) : null;
}
