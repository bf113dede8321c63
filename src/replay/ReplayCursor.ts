import type { HypercallRecord, LogRecord } from '../log/LogRecord.js';
import { compareRecord } from './compareRecord.js';
import { describeRecord } from './describeRecord.js';
import { DivergenceSignal, EndOfLogSignal } from './Divergence.js';
import type { ExpectedRecords } from './ExpectedRecords.js';
import type { LoggedRecord } from './LoggedRecord.js';
import type { RecordedAnswer } from './RecordedAnswer.js';

/**
 * Where a re-run stands in the log. Until `arm` it is inert (a world being rebuilt by re-running a
 * prefix produces records nobody compares); armed, every record the re-run produces must be the
 * log's next one, and the recorded hypervisor reads the next hypercall record from it.
 *
 * @example
 * const cursor = new ReplayCursor();
 * cursor.arm(new ExpectedRecords(records, 1, true));
 * cursor.expect(record); // throws DivergenceSignal when it differs
 */
export class ReplayCursor {
  #records: ExpectedRecords | null = null;
  /** Records reproduced, by kind. */
  readonly matched = new Map<LogRecord['kind'], number>();
  /** Transitions the re-run took past the end of an unclosed log (the last result's bookkeeping). */
  pastEnd = 0;
  #lastKind: LogRecord['kind'] | null = null;
  /** The answer the recorded hypervisor gave from the log's next record, a hypercall, once it checked the request. */
  #answered: { readonly seq: number; readonly answer: RecordedAnswer } | null = null;

  get armed(): boolean {
    return this.#records !== null;
  }

  /** The last record reproduced was an operation or one of its hypercalls: its result is still to come. */
  get insideOperation(): boolean {
    return this.#lastKind === 'operation' || this.#lastKind === 'hypercall';
  }

  /** The records being replayed (while armed). */
  get records(): ExpectedRecords | null {
    return this.#records;
  }

  arm(records: ExpectedRecords): void {
    this.#records = records;
    this.#answered = null;
  }

  disarm(): void {
    this.#records = null;
    this.#answered = null;
  }

  /**
   * A record the re-run produced: it must equal the log's next one, which is then consumed. Throws
   * a DivergenceSignal when it differs (or the closed log has ended), an EndOfLogSignal when an
   * unclosed log has ended. Does nothing while disarmed.
   */
  expect(actual: LogRecord): void {
    const records = this.#records;
    if (records === null) return;
    const next = records.peek();
    if (next === undefined) {
      // Past the last committed record of a crashed log, the machines may still take the transitions
      // the last committed result causes (bookkeeping the crashed process did too); the first record
      // of anything new (an operation, a result, an intent, a snapshot) is where the replay stops.
      if (!records.closed && actual.kind === 'transition') {
        this.pastEnd += 1;
        return;
      }
      this.#pastEnd(records, actual.kind, describeRecord(actual));
    }
    const answered = this.#answered;
    this.#answered = null;
    // A call answered from the next record is judged by that answer first, in parts (`recordIs`);
    // what it cannot vouch for is compared whole, which also describes a difference.
    if (!(actual.kind === 'hypercall' && answered?.seq === next.seq && answered.answer.recordIs(actual))) {
      const d = compareRecord(next, actual);
      if (d !== null) throw new DivergenceSignal(d);
    }
    records.take();
    this.#lastKind = actual.kind;
    this.matched.set(actual.kind, (this.matched.get(actual.kind) ?? 0) + 1);
  }

  /**
   * The log's next record, which must be a hypercall: what the recorded hypervisor answers with. Not
   * consumed (the recorder's `expect` consumes it once the call returns). `issued` describes the
   * call the re-run makes, for the report.
   */
  nextHypercall(issued: () => string[]): LoggedRecord & { readonly record: HypercallRecord } {
    const records = this.#records;
    if (records === null) throw new Error('ReplayCursor.nextHypercall while disarmed');
    const next = records.peek();
    if (next === undefined) this.#pastEnd(records, 'hypercall', issued());
    if (next.kind !== 'hypercall')
      throw new DivergenceSignal({
        seq: next.seq,
        expectedKind: next.kind,
        actualKind: 'hypercall',
        reason: `the replay issues a hypercall where the log has a ${next.kind} record`,
        expected: describeRecord(next.record),
        actual: issued(),
      });
    return next as LoggedRecord & { readonly record: HypercallRecord };
  }

  /**
   * The recorded hypervisor answered the call at `seq` (the next record) with `answer`, after checking
   * the request against it: `expect` judges the re-run's record of that call with it first.
   */
  answered(seq: number, answer: RecordedAnswer): void {
    this.#answered = { seq, answer };
  }

  #pastEnd(records: ExpectedRecords, kind: LogRecord['kind'], actual: string[]): never {
    const last = records.nextSeq - 1;
    if (!records.closed) throw new EndOfLogSignal(last, this.insideOperation);
    throw new DivergenceSignal({
      seq: records.nextSeq,
      expectedKind: null,
      actualKind: kind,
      reason: `the replay produced a ${kind} record past the end of the log (closed at seq ${last})`,
      expected: [`end of log (closed at seq ${last})`],
      actual,
    });
  }
}
