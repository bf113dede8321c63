/** Where a generator is: its seed (for `derive` and `clone`) and its four state words. */
export interface RngState {
  readonly seed: number | bigint;
  readonly words: readonly [number, number, number, number];
}

/**
 * The one source of randomness: xoshiro128** (Blackman and Vigna) over four 32-bit words, seeded
 * through splitmix32. Every choice the simulated machine and the model checker make comes from an
 * Rng derived from the run's seed, so the same seed gives the same bytes on any machine.
 *
 * `derive(label)` gives an independent stream that depends only on the seed and the label, not on
 * how many numbers other streams drew: turning on random faults does not move host PFNs.
 *
 * @example
 * new Rng(7).derive('faults').below(1000) === new Rng(7).derive('faults').below(1000); // true
 */
export class Rng {
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  /**
   * @param seed a safe integer (negative values are taken modulo 2^53) or a bigint (low 64 bits).
   *
   * @example
   * const rng = new Rng(7);
   * rng.below(6); // a number in [0, 6), the same one for every run with seed 7
   */
  constructor(readonly seed: number | bigint) {
    const [lo, hi] = seedWords(seed);
    let s = (lo ^ Math.imul(hi, 0x9e3779b9)) >>> 0;
    const next = (): number => {
      s = (s + 0x9e3779b9) >>> 0;
      return mix32(s ^ hi);
    };
    this.#a = next();
    this.#b = next();
    this.#c = next();
    this.#d = next();
    if ((this.#a | this.#b | this.#c | this.#d) === 0) this.#a = 1;
  }

  /**
   * An independent stream for one purpose, a function of the seed and `label` only.
   *
   * @example
   * new Rng(7).derive('host-pfns').u32() === new Rng(7).derive('host-pfns').u32(); // true
   */
  derive(label: string): Rng {
    const [lo, hi] = seedWords(this.seed);
    let h = 0x811c9dc5 ^ lo;
    for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193);
    return new Rng(BigInt(mix32(h >>> 0)) | (BigInt(mix32((hi ^ h) >>> 0)) << 32n));
  }

  /** The next uniformly distributed unsigned 32-bit integer. */
  u32(): number {
    const result = Math.imul(rotl(Math.imul(this.#b, 5), 7), 9) >>> 0;
    const t = this.#b << 9;
    this.#c ^= this.#a;
    this.#d ^= this.#b;
    this.#b ^= this.#c;
    this.#a ^= this.#d;
    this.#c ^= t;
    this.#d = rotl(this.#d, 11);
    return result;
  }

  /**
   * A uniform integer in [0, n) for 1 ≤ n ≤ 2^53 (rejection sampling: no modulo bias).
   *
   * @example
   * new Rng(1).below(10) < 10; // true
   */
  below(n: number): number {
    if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`Rng.below: ${n} is not a positive integer`);
    if (n <= 0x1_0000_0000) {
      const limit = 0x1_0000_0000 - (0x1_0000_0000 % n);
      for (;;) {
        const x = this.u32();
        if (x < limit) return x % n;
      }
    }
    for (;;) {
      const x = (this.u32() & 0x1f_ffff) * 0x1_0000_0000 + this.u32();
      const limit = 2 ** 53 - (2 ** 53 % n);
      if (x < limit) return x % n;
    }
  }

  /** A uniform integer in [min, max] (inclusive). */
  int(min: number, max: number): number {
    if (max < min) throw new RangeError(`Rng.int: max ${max} < min ${min}`);
    return min + this.below(max - min + 1);
  }

  /** True with probability `p` (0 ≤ p ≤ 1), in steps of 2^-32. */
  chance(p: number): boolean {
    if (p <= 0) return false;
    if (p >= 1) return true;
    return this.u32() < Math.floor(p * 0x1_0000_0000);
  }

  /** A uniformly chosen element of a non-empty array. */
  pick<T>(items: readonly T[]): T {
    const item = items[this.below(items.length)];
    if (item === undefined) throw new RangeError('Rng.pick: empty array');
    return item;
  }

  /** A copy that continues the same sequence independently (for snapshots and replay). */
  clone(): Rng {
    return Rng.fromState(this.state());
  }

  /**
   * The generator's position, for snapshots: a generator rebuilt from it draws the same numbers.
   * Words are given as unsigned 32-bit values (the state is bits; every step is bitwise).
   *
   * @example
   * const rng = new Rng(7);
   * const again = Rng.fromState(rng.state());
   * rng.u32() === again.u32(); // true
   */
  state(): RngState {
    return { seed: this.seed, words: [this.#a >>> 0, this.#b >>> 0, this.#c >>> 0, this.#d >>> 0] };
  }

  /**
   * A generator at a recorded position. Words are unsigned 32-bit and not all zero (xoshiro's one
   * forbidden state); anything else is a broken invariant.
   *
   * @example
   * Rng.fromState({ seed: 7, words: [1, 2, 3, 4] }).u32();
   */
  static fromState(s: RngState): Rng {
    const [a, b, c, d] = s.words;
    for (const w of s.words)
      if (!Number.isInteger(w) || w < 0 || w > 0xffff_ffff)
        throw new RangeError(`Rng word ${w} is not a u32`);
    if ((a | b | c | d) === 0) throw new RangeError('Rng words are all zero');
    const r = new Rng(s.seed);
    r.#a = a;
    r.#b = b;
    r.#c = c;
    r.#d = d;
    return r;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** The splitmix32 / murmur3 finaliser: a bijective 32-bit mix. */
function mix32(z: number): number {
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

function seedWords(seed: number | bigint): [number, number] {
  let big: bigint;
  if (typeof seed === 'bigint') big = BigInt.asUintN(64, seed);
  else {
    if (!Number.isSafeInteger(seed)) throw new RangeError(`seed: ${seed} is not a safe integer`);
    big = BigInt.asUintN(64, BigInt(seed));
  }
  return [Number(big & 0xffff_ffffn), Number(big >> 32n)];
}
