import { recordChecksum } from '../log/checksum.js';
import type { LoggedRecord } from './LoggedRecord.js';

/** Records read per batch ahead of the replay. */
const READ_AHEAD = 128;

/**
 * The log's records as replay consumes them, in seq order, read lazily in batches of READ_AHEAD.
 * `closed` says whether the log has an end marker: running out of a closed log is a divergence, of an
 * unclosed one (a crash) the end of what was committed.
 *
 * @example
 * const expected = new ExpectedRecords(log.records()[Symbol.iterator](), 1, true);
 * expected.peek()?.record.kind; // 'intent'
 */
export class ExpectedRecords {
  readonly #source: Iterator<LoggedRecord>;
  /** Records read and not taken yet: `#ahead[#head]` is the next one. */
  #ahead: LoggedRecord[] = [];
  #head = 0;
  #done = false;
  /** A read error met while reading ahead: thrown when the replay reaches the record it concerns. */
  #failure: { readonly error: unknown } | null = null;
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

  /**
   * The `k`-th record ahead (0: the next), or undefined past the end. A read error is thrown when
   * the record it concerns is asked for, not before, even though reading runs ahead.
   */
  peek(k = 0): LoggedRecord | undefined {
    const at = this.#head + k;
    if (at < this.#ahead.length) return this.#ahead[at];
    return this.#readUpTo(k);
  }

  /** Take the next record, or undefined at the end. */
  take(): LoggedRecord | undefined {
    const r = this.peek();
    if (r === undefined) return undefined;
    this.#head += 1;
    this.#nextSeq = r.seq + 1;
    this.#prevChecksum = r.checksum;
    this.taken += 1;
    return r;
  }

  /**
   * Read until the `k`-th record ahead is there, READ_AHEAD records at a time: reading a batch in a
   * tight loop, rather than one row between every step of the re-run, keeps the reader's code and
   * data hot (the same read cost 1.5 times as much interleaved).
   */
  #readUpTo(k: number): LoggedRecord | undefined {
    if (this.#head > 0) {
      this.#ahead = this.#ahead.slice(this.#head);
      this.#head = 0;
    }
    while (this.#ahead.length <= k) {
      if (this.#failure !== null) throw this.#failure.error;
      if (this.#done) return undefined;
      for (let n = 0; n < READ_AHEAD; n++) {
        let step: IteratorResult<LoggedRecord>;
        try {
          step = this.#source.next();
        } catch (e) {
          this.#failure = { error: e };
          this.#done = true;
          break;
        }
        if (step.done === true) {
          this.#done = true;
          break;
        }
        this.#ahead.push(step.value);
      }
    }
    return this.#ahead[k];
  }

  /**
   * When the next record is `seq` and its stored body no longer matches its stored checksum (a
   * record replay did not re-checksum when reading, because reproducing it checks it), the
   * mismatch as a message; else null. A divergence at a damaged record is damage, not a divergence.
   */
  damageAt(seq: number): string | null {
    const r = this.#ahead[this.#head];
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
