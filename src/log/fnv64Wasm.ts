/**
 * FNV-1a 64 over ASCII text in a WebAssembly function, for `fnv64Ascii`'s long inputs: one i64
 * xor and one i64 multiply per byte, where the pure TypeScript step needs four 16-bit limbs and
 * three multiplies with carries. The module is assembled here from its instructions (no file, no
 * build step); WebAssembly's integer arithmetic is exact and the same on every platform, so the
 * hash is the one `fnv64Ascii` defines, byte for byte (tested against it and a bigint reference).
 */
import type { Fnv64State } from './checksum.js';

/** Where the text's bytes start in the module's memory; bytes 0..7 receive the result. */
const DATA = 16;
const PAGE = 65_536;

/** Unsigned LEB128. */
function uleb(n: number): number[] {
  const out: number[] = [];
  let v = n;
  do {
    const byte = v & 0x7f;
    v = Math.floor(v / 128);
    out.push(v === 0 ? byte : byte | 0x80);
  } while (v !== 0);
  return out;
}

/** Signed LEB128 of a bigint (i64.const operands). */
function sleb(n: bigint): number[] {
  const out: number[] = [];
  let v = n;
  while (true) {
    const byte = Number(v & 0x7fn);
    v >>= 7n;
    const done = (v === 0n && (byte & 0x40) === 0) || (v === -1n && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

const section = (id: number, content: number[]): number[] => [id, ...uleb(content.length), ...content];

/**
 * `fnv(len, hi, lo)`: hash memory[DATA, DATA + len) from the state (hi, lo) and store the new
 * state as a little-endian u64 at memory[0]. Locals: 0 len (then the end), 1 hi, 2 lo, 3 i, 4 h.
 */
function moduleBytes(): Uint8Array {
  const I32 = 0x7f;
  const I64 = 0x7e;
  const [localGet, localSet, i32Const, i64Const] = [0x20, 0x21, 0x41, 0x42];
  const body = [
    ...[0x02, 0x01, I32, 0x01, I64], // locals: i (i32), h (i64)
    ...[localGet, 1, 0xad, i64Const, ...sleb(32n), 0x86, localGet, 2, 0xad, 0x84, localSet, 4], // h = hi << 32 | lo
    ...[i32Const, ...sleb(BigInt(DATA)), localSet, 3], // i = DATA
    ...[localGet, 0, i32Const, ...sleb(BigInt(DATA)), 0x6a, localSet, 0], // end = len + DATA
    ...[0x02, 0x40, 0x03, 0x40], // block, loop
    ...[localGet, 3, localGet, 0, 0x4f, 0x0d, 1], // if i >= end: break
    ...[localGet, 4, localGet, 3, 0x31, 0, 0, 0x85], // h ^ mem[i] (i64.load8_u)
    ...[i64Const, ...sleb(0x100000001b3n), 0x7e, localSet, 4], // h = (h ^ byte) * prime
    ...[localGet, 3, i32Const, 1, 0x6a, localSet, 3, 0x0c, 0], // i += 1; continue
    ...[0x0b, 0x0b], // end loop, end block
    ...[i32Const, 0, localGet, 4, 0x37, 3, 0, 0x0b], // mem[0] = h (i64.store); end
  ];
  const name = (s: string): number[] => [...uleb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, [0x01, 0x60, 0x03, I32, I32, I32, 0x00]), // type 0: (i32, i32, i32) -> ()
    ...section(3, [0x01, 0x00]), // function 0 has type 0
    ...section(5, [0x01, 0x00, 0x01]), // one memory, at least one page
    ...section(7, [0x02, ...name('fnv'), 0x00, 0x00, ...name('mem'), 0x02, 0x00]),
    ...section(10, [0x01, ...uleb(body.length), ...body]),
  ]);
}

/** The part of the WebAssembly JS API used here (the project's lib settings carry no DOM types). */
declare const WebAssembly: {
  readonly Module: new (bytes: Uint8Array) => object;
  readonly Instance: new (module: object) => { readonly exports: object };
};

interface Exports {
  readonly fnv: (len: number, hi: number, lo: number) => void;
  readonly mem: { readonly buffer: ArrayBuffer; grow(pages: number): number };
}

const instance = new WebAssembly.Instance(new WebAssembly.Module(moduleBytes()));
const { fnv, mem } = instance.exports as unknown as Exports;
const encoder = new TextEncoder();
let words = new DataView(mem.buffer);
/** The memory from DATA on: where the text is encoded (a view kept, not made per call). */
let room = new Uint8Array(mem.buffer, DATA);

/**
 * Feed `text` to the FNV-1a 64 state when every character is ASCII and return true; return false,
 * with the state untouched, when a character is above U+007F (the caller then locates it with the
 * pure TypeScript loop).
 *
 * @example
 * const s = fnv64Init(); fnv64AsciiWasm(s, 'a'); // true, and checksumHex(s) is 'af63dc4c8601ec8c'
 */
export function fnv64AsciiWasm(s: Fnv64State, text: string): boolean {
  if (text.length > room.length) {
    mem.grow(Math.ceil((text.length - room.length) / PAGE));
    words = new DataView(mem.buffer);
    room = new Uint8Array(mem.buffer, DATA);
  }
  // ASCII encodes one byte per character; any other character takes two or three (a lone
  // surrogate too), or stops the encoding short when the room runs out.
  const { read, written } = encoder.encodeInto(text, room);
  if (read !== text.length || written !== text.length) return false;
  fnv(written, s.hi, s.lo);
  s.hi = words.getUint32(4, true);
  s.lo = words.getUint32(0, true);
  return true;
}
