/**
 * The states a search has visited, each with the budgets it was visited with: steps left
 * (`bounds.steps` minus the intents on the path) and faults left (`bounds.faults` minus the faults
 * the path armed). What a state can still reach depends on both, so a state reached again is
 * explored again unless an earlier visit had at least as many steps and at least as many faults
 * left (it dominates). Keying on the digest alone loses behaviour: a state first reached through a
 * fault, on a path shorter than any unfaulted one, used to block the unfaulted visit that could
 * still arm a fault from there (docs/DECISIONS.md, checker item 15).
 *
 * Per digest it keeps, for each faults-left count, the most steps left seen with it (a short array:
 * faults are bounded by a handful). `size` counts distinct digests: the states a search reports.
 *
 * @example
 * const v = new VisitedBudgets();
 * v.admit('s', 5, 0); // true: new
 * v.admit('s', 4, 0); // false: dominated
 * v.admit('s', 3, 1); // true: fewer steps, but a fault more to arm
 */
export class VisitedBudgets {
  /** digest → stepsLeft by faultsLeft (-1: no visit with that many faults left). */
  readonly #best = new Map<string, number[]>();

  /** Distinct digests visited. */
  get size(): number {
    return this.#best.size;
  }

  /** Whether `digest` was ever visited, with any budgets. */
  has(digest: string): boolean {
    return this.#best.has(digest);
  }

  /**
   * Record a visit and say whether it must be explored: true when the digest is new or no earlier
   * visit had at least `stepsLeft` steps and `faultsLeft` faults left. Both are non-negative integers.
   */
  admit(digest: string, stepsLeft: number, faultsLeft: number): boolean {
    if (!Number.isInteger(stepsLeft) || stepsLeft < 0)
      throw new RangeError(`stepsLeft: ${stepsLeft} is not a non-negative integer`);
    if (!Number.isInteger(faultsLeft) || faultsLeft < 0)
      throw new RangeError(`faultsLeft: ${faultsLeft} is not a non-negative integer`);
    const best = this.#best.get(digest);
    if (best === undefined) {
      const fresh = new Array<number>(faultsLeft + 1).fill(-1);
      fresh[faultsLeft] = stepsLeft;
      this.#best.set(digest, fresh);
      return true;
    }
    for (let f = faultsLeft; f < best.length; f++) if ((best[f] ?? -1) >= stepsLeft) return false;
    while (best.length <= faultsLeft) best.push(-1);
    best[faultsLeft] = stepsLeft;
    return true;
  }
}
