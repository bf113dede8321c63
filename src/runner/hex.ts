/**
 * Lower-case hex of bytes, no separators.
 *
 * @example
 * toHex(new Uint8Array([1, 0xab])); // '01ab'
 */
export function toHex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

/**
 * `0x` followed by `digits` hex digits.
 *
 * @example
 * hexWord(0x4b, 4); // '0x004b'
 */
export function hexWord(value: bigint | number, digits: number): string {
  return `0x${value.toString(16).padStart(digits, '0')}`;
}
