import { fnv64Ascii, fnv64Bytes, type Fnv64State } from './checksum.js';

/** The 16 bytes hashed before a body: the previous checksum, then seq, both big-endian. */
const prefix = new Uint8Array(16);
const state: Fnv64State = { hi: 0, lo: 0 };
const TWO_32 = 0x1_0000_0000;

/** A lowercase hex digit's value, or NaN (so a bad digit never compares equal). */
function hexDigit(c: number): number {
  return c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : Number.NaN;
}

/** Eight hex digits from `at` as an unsigned 32-bit number, or NaN. */
function hex32(text: string, at: number): number {
  let v = 0;
  for (let i = at; i < at + 8; i += 1) v = v * 16 + hexDigit(text.charCodeAt(i));
  return v;
}

/**
 * True when `stored` is the chained checksum of record `seq` after `prevChecksum` with `body`:
 * `recordChecksum(prevChecksum, seq, body) === stored`, without building the hex of the result
 * (no allocation: one shared state and prefix), so that checking a short record's link costs about
 * what reading it does. A body that is not ASCII, or a `stored` that is not 16 lowercase hex
 * digits, never matches.
 *
 * @example
 * checksumLinks(prev, 7, body, recordChecksum(prev, 7, body) ?? ''); // true
 */
export function checksumLinks(prevChecksum: string, seq: number, body: string, stored: unknown): boolean {
  if (typeof stored !== 'string' || stored.length !== 16) return false;
  for (let i = 0; i < 8; i += 1)
    prefix[i] = hexDigit(prevChecksum.charCodeAt(2 * i)) * 16 + hexDigit(prevChecksum.charCodeAt(2 * i + 1));
  const hi = Math.floor(seq / TWO_32);
  const lo = seq >>> 0;
  for (let i = 0; i < 4; i += 1) {
    prefix[8 + i] = (hi >>> (24 - 8 * i)) & 0xff;
    prefix[12 + i] = (lo >>> (24 - 8 * i)) & 0xff;
  }
  state.hi = 0xcbf29ce4;
  state.lo = 0x84222325;
  fnv64Bytes(state, prefix);
  if (fnv64Ascii(state, body) !== -1) return false;
  return hex32(stored, 0) === state.hi && hex32(stored, 8) === state.lo;
}
