import { BitField, assertU64 } from './BitField.js';

/**
 * The hypercall control word (RCX on x86-64), inventory §b.1.
 * Bits 27–30, 44–47 and 60–63 are reserved; bit 31 is NESTED.
 */
export const ControlBits = {
  code: new BitField('code', 0, 16),
  fast: new BitField('fast', 16, 1),
  varHeadQwords: new BitField('varHeadQwords', 17, 10),
  reserved0: new BitField('reserved0', 27, 4),
  nested: new BitField('nested', 31, 1),
  repCount: new BitField('repCount', 32, 12),
  reserved1: new BitField('reserved1', 44, 4),
  repStart: new BitField('repStart', 48, 12),
  reserved2: new BitField('reserved2', 60, 4),
} as const;

export const CONTROL_RESERVED_MASK =
  ControlBits.reserved0.mask | ControlBits.reserved1.mask | ControlBits.reserved2.mask;

/** Largest rep count the 12-bit field carries. */
export const REP_COUNT_MAX = 4095;

export interface Control {
  readonly code: number;
  readonly fast: boolean;
  /** Variable header size in 8-byte units. */
  readonly varHeadQwords: number;
  readonly nested: boolean;
  readonly repCount: number;
  /** Absolute index of the first rep to run (rep-start resume after partial completion). */
  readonly repStart: number;
}

export interface DecodedControl extends Control {
  /** Reserved bits that were set (0n when the word is clean). */
  readonly reservedBits: bigint;
}

/**
 * Encode a control word. Throws a RangeError naming the field when a value does not fit.
 *
 * @example
 * encodeControl({ code: 0x4b, repCount: 509, repStart: 253 }); // 0x00fd01fd0000004bn
 */
export function encodeControl(c: Partial<Control> & { readonly code: number }): bigint {
  const varHead = c.varHeadQwords ?? 0;
  const repCount = c.repCount ?? 0;
  const repStart = c.repStart ?? 0;
  checkField('code', c.code, 0xffff);
  checkField('varHeadQwords', varHead, 0x3ff);
  checkField('repCount', repCount, REP_COUNT_MAX);
  checkField('repStart', repStart, REP_COUNT_MAX);
  // Bits 0-31 fit a number; the rep fields go in the high word. No bit of a reserved field is set.
  const low =
    (c.code | (c.fast === true ? 1 << 16 : 0) | (varHead << 17) | (c.nested === true ? 0x8000_0000 : 0)) >>>
    0;
  const high = (repCount | (repStart << 16)) >>> 0;
  return (BigInt(high) << 32n) | BigInt(low);
}

/** Throws a RangeError naming the field unless `v` is an integer in [0, max]. */
function checkField(name: string, v: number, max: number): void {
  if (!Number.isInteger(v) || v < 0 || v > max) {
    throw new RangeError(`${name}: ${v} does not fit ${Math.log2(max + 1)} bits (max ${max})`);
  }
}

/**
 * Decode a control word; reserved bits are reported, not dropped.
 *
 * @example
 * decodeControl(0x00fd01fd0000004bn); // { code: 0x4b, repCount: 509, repStart: 253, reservedBits: 0n, ... }
 */
export function decodeControl(word: bigint): DecodedControl {
  assertU64(word, 'control word');
  // Two 32-bit halves as numbers: the fields are read with number operations, not bigint ones.
  const low = Number(word & 0xffff_ffffn);
  const high = Number(word >> 32n);
  return {
    code: low & 0xffff,
    fast: (low & 0x1_0000) !== 0,
    varHeadQwords: (low >>> 17) & 0x3ff,
    nested: (low & 0x8000_0000) !== 0,
    repCount: high & 0xfff,
    repStart: (high >>> 16) & 0xfff,
    reservedBits: word & CONTROL_RESERVED_MASK,
  };
}

/**
 * The same control word with a new rep start: how a caller resumes after partial completion.
 *
 * @example
 * withRepStart(0x01fd0000004bn, 253); // 0x00fd01fd0000004bn
 */
export function withRepStart(word: bigint, repStart: number): bigint {
  return ControlBits.repStart.set(word, toBig(repStart, 'repStart'));
}

function toBig(v: number, name: string): bigint {
  if (!Number.isSafeInteger(v)) throw new RangeError(`${name}: ${v} is not an integer`);
  return BigInt(v);
}
