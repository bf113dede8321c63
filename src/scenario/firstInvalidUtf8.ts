/**
 * The offset of the first byte that does not start or continue a well-formed UTF-8 sequence (RFC
 * 3629: no overlong forms, no surrogates, nothing above U+10FFFF), or -1 when all of `bytes` is
 * UTF-8. A sequence cut off by the end of `bytes` is invalid at its first byte.
 *
 * @example
 * firstInvalidUtf8(new TextEncoder().encode('{"a": "é"}')); // -1
 * firstInvalidUtf8(Uint8Array.of(0x7b, 0xff, 0x7d)); // 1
 */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i] ?? 0;
    if (b < 0x80) {
      i += 1;
      continue;
    }
    // The length of the sequence and the range its second byte must fall in (RFC 3629 §4).
    let n: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) n = 2;
    else if (b >= 0xe0 && b <= 0xef) {
      n = 3;
      if (b === 0xe0) lo = 0xa0;
      if (b === 0xed) hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      n = 4;
      if (b === 0xf0) lo = 0x90;
      if (b === 0xf4) hi = 0x8f;
    } else return i;
    if (i + n > bytes.length) return i;
    const second = bytes[i + 1] ?? 0;
    if (second < lo || second > hi) return i;
    for (let k = 2; k < n; k++) {
      const c = bytes[i + k] ?? 0;
      if (c < 0x80 || c > 0xbf) return i;
    }
    i += n;
  }
  return -1;
}
