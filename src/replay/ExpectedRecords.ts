import { recordChecksum } from '../log/checksum.js';
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
  #prevChecksum: string | undefined;
  /** Records taken so far. */
  taken = 0;

  /**
   * @param prevChecksum the stored checksum of the record before `firstSeq` (the header's for seq 1),
   *   when the records come with checksums: what `damageAt` chains from.
   */
  constructor(
    source: Iterator<LoggedRecord>,
    firstSeq: number,
    readonly closed: boolean,
    prevChecksum?: string,
  ) {
    this.#source = source;
    this.#nextSeq = firstSeq;
    this.#prevChecksum = prevChecksum;
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
    this.#prevChecksum = r.checksum;
    this.taken += 1;
    return r;
  }

  /**
   * When the next record is `seq` and its stored body no longer matches its stored checksum (a
   * record replay did not re-checksum when reading, because reproducing it checks it), the
   * mismatch as a message; else null. A divergence at a damaged record is damage, not a divergence.
   */
  damageAt(seq: number): string | null {
    const r = this.#ahead[0];
    if (
      r?.seq !== seq ||
      r.body === undefined ||
      r.checksum === undefined ||
      this.#prevChecksum === undefined
    )
      return null;
    const computed = recordChecksum(this.#prevChecksum, seq, r.body);
    if (computed === r.checksum) return null;
    return `seq ${seq}: checksum mismatch: stored ${r.checksum}, computed ${computed ?? 'none (not ASCII)'} (this record, or the chain before it, was changed)`;
  }

  /** True when every record has been taken. */
  get exhausted(): boolean {
    return this.peek() === undefined;
  }
}
