import { LogError } from '../log/LogError.js';
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
  /**
   * Why the log cannot be replayed at all, found when it was opened (an end marker that does not
   * read: a malformed row, a damaged page): replay reports it as damage before anything else, and
   * `closed` is unknown then (false).
   */
  readonly unreadable?: LogError;
  records(fromSeq: number): Iterator<LoggedRecord>;
  /** The last snapshot record at or before `seq`, or null. */
  snapshotAt(seq: number): LoggedRecord | null;
  /** The stored checksum before `seq` (the header's for 1), where records carry checksums. */
  checksumBefore(seq: number): string | undefined;
}

/**
 * Which records' checksums replay recomputes as it reads: `except-hypercalls` (default) every
 * record but hypercalls (CHECKSUM_KINDS); `all` every record, as `log info` does. A hypercall's
 * body is mostly the hex of its input and output pages, and hashing it is what made `all` cost a
 * third of replay's rate on hypercall-heavy logs; replay compares each one byte for byte with what
 * the re-run produces instead, checks its stored checksum's form, and its link into the next record
 * wherever that record is recomputed (the last hypercall of every operation, before its result): a
 * mismatch there is blamed on the hypercall when its own checksum does not match its body. A
 * divergence at a record whose checksum no longer matches is reported as damage.
 */
export type ChecksumPolicy = 'except-hypercalls' | 'all';

/** The records replay cannot reproduce: its inputs (intents drive the re-run; snapshots restore it). */
export const INPUT_KINDS = ['intent', 'snapshot'] as const;

/**
 * The record kinds replay recomputes checksums of under the `except-hypercalls` policy: the inputs,
 * and the short records the re-run reproduces (transitions, operations, results), whose checksums
 * cost about what reading them does (replay item 5 in docs/DECISIONS.md).
 */
export const CHECKSUM_KINDS = [...INPUT_KINDS, 'transition', 'operation', 'result'] as const;

/**
 * The record kinds replay reads from a file without decoding (`ReadOptions.deferKinds`): each is
 * compared as text with the canonical body of the record the re-run produces, and decoded only to
 * report a difference. Intents drive the re-run, so they are decoded; a hypercall's answer (status
 * and output) is read from its text by position (`recordedAnswer`), its input compared as hex.
 */
export const COMPARED_KINDS = ['transition', 'operation', 'hypercall', 'result', 'snapshot'] as const;

/**
 * A log file opened with `openLog` as a replay source: records are checked as they are read (seq
 * continuity, kind column, end marker, and the checksums the policy names); a damaged record throws
 * its LogError, naming its seq.
 *
 * @example
 * const source = readerSource(openLog('run.log'));
 */
export function readerSource(
  reader: LogReader,
  checksums: ChecksumPolicy = 'except-hypercalls',
): ReplaySource {
  const kinds = checksums === 'all' ? {} : { checksumKinds: CHECKSUM_KINDS };
  const deferKinds = COMPARED_KINDS;
  let closed = false;
  let unreadable: LogError | undefined;
  try {
    closed = reader.endMarker() !== null;
  } catch (e) {
    if (!(e instanceof LogError)) throw e;
    unreadable = e;
  }
  return {
    name: reader.path,
    header: reader.header,
    closed,
    ...(unreadable === undefined ? {} : { unreadable }),
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
