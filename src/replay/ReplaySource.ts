import type { LogHeader } from '../log/LogHeader.js';
import type { LogReader } from '../log/LogReader.js';
import type { LogRecord } from '../log/LogRecord.js';
import type { LoggedRecord } from './LoggedRecord.js';

/**
 * A log as replay reads it: the header, whether it was closed, its records from a seq on (lazily,
 * verified when read from a file) and where its snapshots are.
 */
export interface ReplaySource {
  readonly header: LogHeader;
  /** The log has an end marker (its writer closed it); false after a crash. */
  readonly closed: boolean;
  records(fromSeq: number): Iterator<LoggedRecord>;
  /** The last snapshot record at or before `seq`, or null. */
  snapshotAt(seq: number): LoggedRecord | null;
}

/**
 * A log file opened with `openLog` as a replay source (records verified as they are read: a
 * damaged record throws its LogError, naming its seq).
 *
 * @example
 * const source = readerSource(openLog('run.log'));
 */
export function readerSource(reader: LogReader): ReplaySource {
  return {
    header: reader.header,
    closed: reader.endMarker() !== null,
    records: (fromSeq) => reader.records({ fromSeq })[Symbol.iterator](),
    snapshotAt: (seq) => reader.latestSnapshot(seq),
  };
}

/**
 * Records in memory as a replay source (the model checker's MemorySink, a test): seqs are 1, 2, …
 * in order. `closed` defaults to true (the run finished); false treats the end as a crash point.
 *
 * @example
 * const source = memorySource(header, sink.records, { closed: false });
 */
export function memorySource(
  header: LogHeader,
  records: readonly (LogRecord | LoggedRecord)[],
  options: { readonly closed?: boolean } = {},
): ReplaySource {
  const logged: LoggedRecord[] = records.map((r, i) =>
    'seq' in r && 'record' in r ? r : { seq: i + 1, record: r },
  );
  return {
    header,
    closed: options.closed ?? true,
    records: (fromSeq) => logged.slice(Math.max(0, fromSeq - 1))[Symbol.iterator](),
    snapshotAt: (seq) => {
      for (let i = Math.min(seq, logged.length) - 1; i >= 0; i--)
        if (logged[i]?.record.kind === 'snapshot') return logged[i] ?? null;
      return null;
    },
  };
}
