import type { LogRecord } from '../log/LogRecord.js';

/**
 * Where a runtime writes its event records: the durable log (`LogWriter` fits as it is), an
 * in-memory list for tests and the model checker, or nowhere.
 *
 * @example
 * const sink = new MemorySink();
 * sink.append({ kind: 'intent', name: 'host.createPartition', args: {} });
 */
export interface RecordSink {
  append(record: LogRecord): unknown;
  /** An operation boundary: everything appended so far is durable when this returns. */
  commit(): unknown;
}

/** A sink that keeps nothing (runs that need no log). */
export const NULL_SINK: RecordSink = {
  append: () => undefined,
  commit: () => undefined,
};

/**
 * A sink that keeps every record in memory, with the commit boundaries.
 *
 * @example
 * const sink = new MemorySink();
 * sink.records.length; // 0
 */
export class MemorySink implements RecordSink {
  readonly records: LogRecord[] = [];
  /** How many records had been appended at each commit. */
  readonly commits: number[] = [];

  append(record: LogRecord): void {
    this.records.push(record);
  }

  commit(): void {
    this.commits.push(this.records.length);
  }
}
