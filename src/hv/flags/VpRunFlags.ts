import { BitField } from '../BitField.js';

/** One named field of a 64-bit word, lsb first. */
export interface WordFieldSpec<N extends string = string> {
  readonly name: N;
  readonly lsb: number;
  readonly width: number;
}

/**
 * Build the BitFields of a u64 word from its field list, checking that the fields are contiguous
 * from bit 0 and their widths sum to exactly 64. A C bit-field struct that allocates 65 bits in a
 * u64 (seed review point 1) fails here with the total in the message.
 *
 * @example
 * const w = defineWord64('flags', [{ name: 'a', lsb: 0, width: 1 }, { name: 'rest', lsb: 1, width: 63 }] as const);
 * w.a.get(1n); // 1n
 */
export function defineWord64<const N extends string>(
  word: string,
  fields: readonly WordFieldSpec<N>[],
): Readonly<Record<N, BitField>> {
  let next = 0;
  for (const f of fields) {
    if (f.lsb !== next) {
      throw new RangeError(
        `${word}.${f.name}: starts at bit ${f.lsb}, expected ${next} (fields must be contiguous)`,
      );
    }
    next += f.width;
  }
  if (next !== 64) {
    throw new RangeError(`${word}: field widths sum to ${next} bits, a u64 holds exactly 64`);
  }
  const out: Partial<Record<N, BitField>> = {};
  for (const f of fields) out[f.name] = new BitField(`${word}.${f.name}`, f.lsb, f.width);
  return out as Record<N, BitField>;
}

/**
 * The mshv VP run-flags word (mshv_root.h, inventory §c.6): {intercept_suspend:1,
 * root_sched_blocked:1, root_sched_dispatched:1, reserved:61}. The v5 patch had reserved:62 (65
 * bits); the merged header has 61.
 */
export const MSHV_VP_RUN_FLAGS_FIELDS = [
  { name: 'interceptSuspend', lsb: 0, width: 1 },
  { name: 'rootSchedBlocked', lsb: 1, width: 1 },
  { name: 'rootSchedDispatched', lsb: 2, width: 1 },
  { name: 'reserved', lsb: 3, width: 61 },
] as const satisfies readonly WordFieldSpec[];

/**
 * BitFields of the VP run-flags word.
 *
 * @example
 * MshvVpRunFlags.rootSchedBlocked.set(0n, 1n); // 2n
 */
export const MshvVpRunFlags = defineWord64('mshv_vp_run_flags', MSHV_VP_RUN_FLAGS_FIELDS);
