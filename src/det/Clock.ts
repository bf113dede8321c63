/**
 * Injected time. The core never reads a real clock (design principle 3): the simulated machine,
 * the model checker and replay all run on a clock that moves only when told to.
 */
export interface Clock {
  /** Monotonic time in nanoseconds since the clock's origin. */
  now(): bigint;
}

/**
 * A clock that moves only through `advance` or `set`.
 *
 * @example
 * const clock = new ManualClock();
 * clock.advance(1_000n);
 * clock.now(); // 1000n
 */
export class ManualClock implements Clock {
  #ns: bigint;

  constructor(startNs = 0n) {
    if (startNs < 0n) throw new RangeError(`ManualClock.startNs: ${startNs} is negative`);
    this.#ns = startNs;
  }

  now(): bigint {
    return this.#ns;
  }

  /** Move forward by `ns` (≥ 0). */
  advance(ns: bigint): void {
    if (ns < 0n) throw new RangeError(`ManualClock.advance: ${ns} is negative (time is monotonic)`);
    this.#ns += ns;
  }

  /** Jump to `ns`, which must not be in the past. */
  set(ns: bigint): void {
    if (ns < this.#ns) throw new RangeError(`ManualClock.set: ${ns} is before now (${this.#ns})`);
    this.#ns = ns;
  }
}

/** Hyper-V reference time counts 100 ns ticks. */
export const NS_PER_REFERENCE_TICK = 100n;
