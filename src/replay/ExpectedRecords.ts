import type { LoggedRecord } from './LoggedRecord.js';

/**
 * The log's records as replay consumes them, in seq order, read lazily with a small look-ahead.
 * `closed` says whether the log has an end marker: running out of a closed log is a divergence, of an
 * unclosed one (a crash) the end of what was committed.
 *
 * @example
 * const expected = new ExpectedRecords(log.records()[Symbol.iterator](), 1, true);
 * expected.peek()?.record.kind; // 'intent'
 */
export class ExpectedRecords {
  readonly #source: Iterator<LoggedRecord>;
  readonly #ahead: LoggedRecord[] = [];
  #done = false;
  #nextSeq: number;
  /** Records taken so far. */
  taken = 0;

  constructor(
    source: Iterator<LoggedRecord>,
    firstSeq: number,
    readonly closed: boolean,
  ) {
    this.#source = source;
    this.#nextSeq = firstSeq;
  }

  /** The seq of the next record to take (one past the last record once the log is exhausted). */
  get nextSeq(): number {
    return this.#nextSeq;
  }

  /** The `k`-th record ahead (0: the next), or undefined past the end. Read errors propagate. */
  peek(k = 0): LoggedRecord | undefined {
    while (this.#ahead.length <= k && !this.#done) {
      const step = this.#source.next();
      if (step.done === true) this.#done = true;
      else this.#ahead.push(step.value);
    }
    return this.#ahead[k];
  }

  /** Take the next record, or undefined at the end. */
  take(): LoggedRecord | undefined {
    const r = this.peek();
    if (r === undefined) return undefined;
    this.#ahead.shift();
    this.#nextSeq = r.seq + 1;
    this.taken += 1;
    return r;
  }

  /** True when every record has been taken. */
  get exhausted(): boolean {
    return this.peek() === undefined;
  }
}
