/**
 * A user address as error messages show it: hex for a bigint, and whatever a JavaScript caller
 * passed instead, as given.
 *
 * @example
 * addressText(0x7f00_0000_1000n); // '0x7f0000001000'
 */
export function addressText(address: unknown): string {
  return typeof address === 'bigint' ? `0x${address.toString(16)}` : String(address);
}
