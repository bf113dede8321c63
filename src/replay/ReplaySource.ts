import type { LogHeader } from '../log/LogHeader.js';
import type { LogReader } from '../log/LogReader.js';
import type { LogRecord } from '../log/LogRecord.js';
import type { LoggedRecord } from './LoggedRecord.js';

/**
 * A log as replay reads it: the header, whether it was closed, its records from a seq on (lazily,
 * verified when read from a file) and where its snapshots are.
 */
export interface ReplaySource {
  /** What to call it in messages (the file's path). */
  readonly name: string;
  readonly header: LogHeader;
  /** The log has an end marker (its writer closed it); false after a crash. */
  readonly closed: boolean;
  records(fromSeq: number): Iterator<LoggedRecord>;
  /** The last snapshot record at or before `seq`, or null. */
  snapshotAt(seq: number): LoggedRecord | null;
  /** The stored checksum before `seq` (the header's for 1), where records carry checksums. */
  checksumBefore(seq: number): string | undefined;
}

/**
 * Which records' checksums replay recomputes as it reads: `inputs` (default) only the records the
 * re-run does not produce itself (intents and snapshots), since every other record is compared byte
 * for byte with what the re-run produces, and a divergence at a record whose checksum no longer
 * matches is reported as damage; `all` every record, as `log info` does.
 */
export type ChecksumPolicy = 'inputs' | 'all';

/** The record kinds replay recomputes checksums of under the `inputs` policy. */
export const INPUT_KINDS = ['intent', 'snapshot'] as const;

/**
 * The record kinds replay reads from a file without decoding (`ReadOptions.deferKinds`): each is
 * compared as text with the canonical body of the record the re-run produces, and decoded only to
 * report a difference. Intents drive the re-run and hypercalls answer it, so both are decoded.
 */
export const COMPARED_KINDS = ['transition', 'operation', 'result', 'snapshot'] as const;

/**
 * A log file opened with `openLog` as a replay source: records are checked as they are read (seq
 * continuity, kind column, end marker, and the checksums the policy names); a damaged record throws
 * its LogError, naming its seq.
 *
 * @example
 * const source = readerSource(openLog('run.log'));
 */
export function readerSource(reader: LogReader, checksums: ChecksumPolicy = 'inputs'): ReplaySource {
  const kinds = checksums === 'all' ? {} : { checksumKinds: INPUT_KINDS };
  const deferKinds = COMPARED_KINDS;
  return {
    name: reader.path,
    header: reader.header,
    closed: reader.endMarker() !== null,
    records: (fromSeq) => reader.records({ fromSeq, deferKinds, ...kinds })[Symbol.iterator](),
    snapshotAt: (seq) => reader.latestSnapshot(seq),
    checksumBefore: (seq) =>
      seq === 1
        ? reader.headerChecksum
        : reader.records({ fromSeq: seq - 1, verify: false }).next().value?.checksum,
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
    'seq' in r && 'record' in r ? r : { seq: i + 1, kind: r.kind, record: r },
  );
  return {
    name: 'records',
    header,
    closed: options.closed ?? true,
    checksumBefore: () => undefined,
    records: (fromSeq) => logged.slice(Math.max(0, fromSeq - 1))[Symbol.iterator](),
    snapshotAt: (seq) => {
      for (let i = Math.min(seq, logged.length) - 1; i >= 0; i--)
        if (logged[i]?.kind === 'snapshot') return logged[i] ?? null;
      return null;
    },
  };
}
