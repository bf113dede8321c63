import { BitField, U64_MAX, assertU64 } from './BitField.js';

/**
 * The hypercall status word (RAX), inventory §b.1: bits 0–15 result, bits 32–43 reps completed,
 * everything else ignored by callers. All-ones means "no hypercall page".
 */
export const StatusBits = {
  result: new BitField('result', 0, 16),
  repsCompleted: new BitField('repsCompleted', 32, 12),
} as const;

/** U64_MAX: no hypercall page; hv_result_to_errno answers -EOPNOTSUPP. */
export const STATUS_NO_HYPERCALL_PAGE = U64_MAX;

export interface Status {
  /** The raw 16-bit result code, kept even when it is not in the status table. */
  readonly result: number;
  /** Absolute count of reps completed for this call (rep hypercalls). */
  readonly repsCompleted: number;
}

/**
 * Encode a status word. Throws a RangeError naming the field when a value does not fit.
 *
 * @example
 * encodeStatus({ result: 0x0b, repsCompleted: 3 }); // 0x000000030000000bn
 */
export function encodeStatus(s: Status): bigint {
  if (!Number.isInteger(s.result) || s.result < 0 || s.result > 0xffff)
    throw new RangeError(`result: ${s.result} does not fit 16 bits (max 65535)`);
  if (!Number.isInteger(s.repsCompleted) || s.repsCompleted < 0 || s.repsCompleted > 0xfff)
    throw new RangeError(`repsCompleted: ${s.repsCompleted} does not fit 12 bits (max 4095)`);
  return s.repsCompleted === 0 ? BigInt(s.result) : (BigInt(s.repsCompleted) << 32n) | BigInt(s.result);
}

/**
 * Decode a status word the way hv_result()/hv_repcomp() do: other bits are ignored.
 *
 * @example
 * decodeStatus(0x000001fd_00000000n); // { result: 0, repsCompleted: 509 }
 */
export function decodeStatus(word: bigint): Status {
  assertU64(word, 'status word');
  return {
    result: Number(word & 0xffffn),
    repsCompleted: Number((word >> 32n) & 0xfffn),
  };
}
