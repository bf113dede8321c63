/**
 * True when every byte is zero; word by word where the view is 4-byte aligned (most pages and
 * slots a snapshot meets are empty, so this is on the save and restore paths of every page).
 *
 * @example
 * allZero(new Uint8Array(4096)); // true
 */
export function allZero(bytes: Uint8Array): boolean {
  let i = 0;
  if (bytes.byteOffset % 4 === 0) {
    const words = new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.length >>> 2);
    for (const w of words) if (w !== 0) return false;
    i = words.length * 4;
  }
  for (; i < bytes.length; i++) if (bytes[i] !== 0) return false;
  return true;
}
