/**
 * The record checksum: 64-bit FNV-1a (offset basis 0xcbf29ce484222325, prime 0x100000001b3), on
 * a state of two 32-bit halves so no step allocates a bigint: bytes in TypeScript, ASCII text (the
 * record bodies) in a small WebAssembly function.
 *
 * Why FNV-1a: every step (xor a byte, multiply by an odd prime modulo 2^64) is a bijection of the
 * state, so two inputs of the same length that differ in any one byte always hash differently: a
 * flipped byte is detected with certainty, not with probability. Other damage (a deleted or
 * inserted record, a swapped pair) is detected unless 64 bits collide. The checksum guards against
 * accidents and careless edits, not against an adversary (it is not a MAC).
 */
import { fnv64AsciiWasm } from './fnv64Wasm.js';

/** A 64-bit FNV-1a state as two unsigned 32-bit halves. */
export interface Fnv64State {
  hi: number;
  lo: number;
}

const PRIME_LO = 0x1b3;
const TWO_32 = 0x1_0000_0000;

/**
 * A fresh FNV-1a 64 state at the offset basis.
 *
 * @example
 * checksumHex(fnv64Init()); // 'cbf29ce484222325' (the hash of no bytes)
 */
export function fnv64Init(): Fnv64State {
  return { hi: 0xcbf29ce4, lo: 0x84222325 };
}

/**
 * Feed bytes. The state is kept in four 16-bit limbs, so every product stays a small integer
 * (below 2^27) and no step needs a division, a double or a bigint: `v * 0x1b3` limb by limb with
 * carries, plus the 2^40 term of the prime (`v << 40`: limbs 0 and 1 shifted by 8 into limbs 2
 * and 3).
 *
 * @example
 * checksumHex(fnv64Bytes(fnv64Init(), new Uint8Array([0x61]))); // 'af63dc4c8601ec8c' ("a")
 */
export function fnv64Bytes(s: Fnv64State, bytes: Uint8Array): Fnv64State {
  let v0 = s.lo & 0xffff;
  let v1 = s.lo >>> 16;
  let v2 = s.hi & 0xffff;
  let v3 = s.hi >>> 16;
  for (const b of bytes) {
    v0 ^= b;
    const t0 = v0 * PRIME_LO;
    const t1 = v1 * PRIME_LO + (t0 >>> 16);
    const t2 = v2 * PRIME_LO + (v0 << 8) + (t1 >>> 16);
    v3 = (v3 * PRIME_LO + (v1 << 8) + (t2 >>> 16)) & 0xffff;
    v0 = t0 & 0xffff;
    v1 = t1 & 0xffff;
    v2 = t2 & 0xffff;
  }
  s.hi = ((v3 << 16) | v2) >>> 0;
  s.lo = ((v1 << 16) | v0) >>> 0;
  return s;
}

/**
 * Feed the bytes of an ASCII string (one byte per character). Returns the index of the first
 * character above U+007F instead of hashing it, or -1 when the whole string was ASCII: canonical
 * text is ASCII, so anything else is not a canonical record. Every record body read or written
 * goes through it, so it runs in WebAssembly (`fnv64AsciiWasm`: 3 to 4 times the speed of the
 * limb arithmetic above on a page-sized body, twice on a 64-byte one; same hash).
 *
 * @example
 * const s = fnv64Init(); fnv64Ascii(s, 'a'); // -1, and checksumHex(s) is 'af63dc4c8601ec8c'
 * fnv64Ascii(fnv64Init(), 'abé'); // 2: stops at 'é'
 */
export function fnv64Ascii(s: Fnv64State, text: string): number {
  if (fnv64AsciiWasm(s, text)) return -1;
  // Refused: some character is above U+007F. Hash the ASCII run before the first one.
  let stop = 0;
  while (text.charCodeAt(stop) <= 0x7f) stop += 1;
  fnv64AsciiWasm(s, text.slice(0, stop));
  return stop;
}

/** The 8 bytes of a u64 being fed (one shared scratch array). */
const u64Bytes = new Uint8Array(8);

/** Feed a u64 given as two halves, big-endian (most significant byte first). */
function fnv64U64(s: Fnv64State, hi: number, lo: number): void {
  for (let i = 0; i < 4; i += 1) {
    u64Bytes[i] = (hi >>> (24 - 8 * i)) & 0xff;
    u64Bytes[4 + i] = (lo >>> (24 - 8 * i)) & 0xff;
  }
  fnv64Bytes(s, u64Bytes);
}

/**
 * The checksum as 16 lowercase hex digits.
 *
 * @example
 * checksumHex(fnv64Init()); // 'cbf29ce484222325'
 */
export function checksumHex(s: Fnv64State): string {
  return s.hi.toString(16).padStart(8, '0') + s.lo.toString(16).padStart(8, '0');
}

const CHECKSUM_HEX = /^[0-9a-f]{16}$/;

/**
 * True for 16 lowercase hex digits, the stored form of a checksum.
 *
 * @example
 * isChecksumHex('cbf29ce484222325'); // true; upper-case digits give false
 */
export function isChecksumHex(text: string): boolean {
  return CHECKSUM_HEX.test(text);
}

/**
 * The checksum of the run header: FNV-1a 64 over its canonical text. It is the root of the chain.
 *
 * @example
 * headerChecksum('{"formatVersion":1}').length; // 16
 */
export function headerChecksum(canonicalHeader: string): string {
  const s = fnv64Init();
  if (fnv64Ascii(s, canonicalHeader) !== -1) throw new RangeError('header text is not ASCII');
  return checksumHex(s);
}

/**
 * The chained checksum of record `seq`: FNV-1a 64 over the previous record's checksum (8 bytes,
 * big-endian; the header's checksum for seq 1), then seq (8 bytes, big-endian), then the body's
 * canonical text. Chaining makes a deleted, inserted, reordered or renumbered record change every
 * checksum after it. Returns null when the body is not ASCII (so not canonical).
 *
 * @example
 * recordChecksum(headerChecksum('{}'), 1, '{"kind":"snapshot","state":null,"v":1}'); // 16 hex digits
 */
export function recordChecksum(prevChecksum: string, seq: number, body: string): string | null {
  const s = fnv64Init();
  fnv64U64(s, parseInt(prevChecksum.slice(0, 8), 16), parseInt(prevChecksum.slice(8), 16));
  fnv64U64(s, Math.floor(seq / TWO_32), seq >>> 0);
  return fnv64Ascii(s, body) === -1 ? checksumHex(s) : null;
}
