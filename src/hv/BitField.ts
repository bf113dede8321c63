/**
 * A contiguous bit field inside a 64-bit word, read and written over bigint.
 *
 * @example
 * const repCount = new BitField('repCount', 32, 12);
 * repCount.get(0x01fd_0000_0000n); // 509n
 */
export class BitField {
  readonly mask: bigint;
  /** The largest value the field holds. */
  readonly max: bigint;
  readonly #shift: bigint;

  constructor(
    readonly name: string,
    readonly lsb: number,
    readonly width: number,
  ) {
    if (lsb < 0 || width < 1 || lsb + width > 64) {
      throw new RangeError(`bit field ${name}: lsb ${lsb} width ${width} does not fit a 64-bit word`);
    }
    // Shift and max are bigints made once: converting per call was a hot allocation (every control
    // and status word of every hypercall passes through here).
    this.#shift = BigInt(lsb);
    this.max = (1n << BigInt(width)) - 1n;
    this.mask = this.max << this.#shift;
  }

  get(word: bigint): bigint {
    return (word & this.mask) >> this.#shift;
  }

  /** Returns `word` with the field set to `value`; throws a RangeError naming the field when it does not fit. */
  set(word: bigint, value: bigint): bigint {
    if (value < 0n || value > this.max) {
      throw new RangeError(`${this.name}: ${value} does not fit ${this.width} bits (max ${this.max})`);
    }
    return (word & ~this.mask) | (value << this.#shift);
  }
}

export const U64_MAX = 0xffff_ffff_ffff_ffffn;

/**
 * Throws a RangeError naming `what` unless `value` is an unsigned 64-bit integer.
 *
 * @example
 * assertU64(-1n, 'mapFlags'); // throws RangeError 'mapFlags: -1 is not an unsigned 64-bit value'
 */
export function assertU64(value: bigint, what: string): void {
  if (value < 0n || value > U64_MAX)
    throw new RangeError(`${what}: ${value} is not an unsigned 64-bit value`);
}
