import type { JsonValue } from '../log/JsonValue.js';
import type { LogRecord } from '../log/LogRecord.js';
import type { RecordSink } from '../runtime/RecordSink.js';
import { describeArg } from '../scenario/describeArg.js';

/**
 * A sink that writes a snapshot record every `every` records: when an intent arrives and at least
 * `every` records went by since the last snapshot (or the start), `capture(seq)` is called and its
 * state appended first, with the seq it will have. An intent is where a runtime is between requests
 * (the ControlPlane records one as the first thing of every public call, the scenario runner at the
 * start of every step), so a snapshot always holds a quiescent runtime. `every` 0 writes none.
 *
 * The same sink wraps the live run's log and the replay's comparison, so a replay produces its
 * snapshot records at the very same seqs and they are compared like any other record.
 *
 * @example
 * const sink = new SnapshottingSink(writer, 1024);
 * sink.capture = (seq) => captureSnapshot(runtime, world, codec, seq);
 */
export class SnapshottingSink implements RecordSink {
  /** Called for a snapshot's state; until set, no snapshot is written. */
  capture: ((seq: number) => JsonValue) | undefined;
  #appended: number;
  #sinceSnapshot: number;

  constructor(
    readonly inner: RecordSink,
    readonly every: number,
    options: { readonly appended?: number; readonly sinceSnapshot?: number } = {},
  ) {
    if (!Number.isSafeInteger(every) || every < 0)
      throw new RangeError(`snapshotEvery: ${describeArg(every)} is not a non-negative integer`);
    this.#appended = options.appended ?? 0;
    this.#sinceSnapshot = options.sinceSnapshot ?? 0;
  }

  /** Records appended through this sink (the seq of the last one, for a log it fills from the start). */
  get appended(): number {
    return this.#appended;
  }

  /** Start counting again from `appended` records, `sinceSnapshot` of them after the last snapshot. */
  reset(appended: number, sinceSnapshot: number): void {
    this.#appended = appended;
    this.#sinceSnapshot = sinceSnapshot;
  }

  append(record: LogRecord): void {
    if (
      record.kind === 'intent' &&
      this.every > 0 &&
      this.capture !== undefined &&
      this.#sinceSnapshot >= this.every
    ) {
      const state = this.capture(this.#appended + 1);
      this.inner.append({ kind: 'snapshot', state });
      this.#appended += 1;
      this.#sinceSnapshot = 0;
    }
    this.inner.append(record);
    this.#appended += 1;
    this.#sinceSnapshot += 1;
  }

  commit(): void {
    this.inner.commit();
  }
}
