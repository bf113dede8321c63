import { existsSync, statSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { isChecksumHex, recordChecksum } from './checksum.js';
import { DeferredRecord, decodeStored } from './DeferredRecord.js';
import { diagnoseUnreadable } from './diagnoseUnreadable.js';
import { LogError } from './LogError.js';
import { canonicalHeader, LOG_FORMAT_VERSION, type LogHeader } from './LogHeader.js';
import { headerChecksum } from './checksum.js';
import { RECORD_KINDS, type RecordKind, type StoredRecord } from './LogRecord.js';
import { LOG_APPLICATION_ID } from './schema.js';
import type { JsonObject } from './JsonValue.js';

/** The end marker a clean close writes: the last record's seq and checksum. */
export interface EndMarker {
  readonly lastSeq: number;
  readonly lastChecksum: string;
}

/** What `verify()` found. `error` is the first problem, naming its record; null when all is well. */
export interface LogVerdict {
  readonly ok: boolean;
  /** Records that passed every check, from seq 1. */
  readonly records: number;
  /** The last record that passed (0 when none). */
  readonly lastGoodSeq: number;
  /** Verified records by kind. */
  readonly byKind: Readonly<Record<RecordKind, number>>;
  /** The log has an end marker: its writer closed it. */
  readonly closed: boolean;
  readonly error: LogError | null;
}

/** Stored counts, straight from the table (`log info`), without decoding. */
export interface LogStats {
  readonly records: number;
  readonly firstSeq: number | null;
  readonly lastSeq: number | null;
  readonly byKind: Readonly<Record<string, number>>;
}

export interface ReadOptions {
  /** First seq to read (default 1). Chain checks start from the stored checksum of `fromSeq - 1`. */
  readonly fromSeq?: number;
  /**
   * Check seq continuity, the checksum chain, the kind column and (reading to the end) the end
   * marker. Default true. False only decodes: the raw read rate, for callers that verified already.
   */
  readonly verify?: boolean;
  /**
   * With `verify`, recompute the chain checksum only of records whose kind column is one of these
   * (default: every record). Every other check still runs on every record, and the stored checksum
   * still links the chain. For the caller that establishes the other records' bodies itself: replay
   * reproduces each one byte for byte, so it recomputes only the inputs' (intents, snapshots).
   */
  readonly checksumKinds?: readonly string[];
  /**
   * Records whose kind column is one of these are decoded when their `record` is first read, not as
   * they are read (a DeferredRecord): for the caller that compares most bodies as text, as replay
   * compares each record the re-run reproduces with the stored body, and so decodes only the records
   * it needs. Every other check still runs as the row is read; a body that does not decode throws
   * its LogError, naming the seq, from that first `record` read.
   */
  readonly deferKinds?: readonly RecordKind[];
}

/**
 * Open a log for reading. The file is opened read-only (SQLite SQLITE_OPEN_READONLY) and never
 * written: not the main file, not its -wal. With a -wal present (a writer that crashed or is still
 * running) SQLite reads the committed transactions from the -wal and ignores a torn tail; it may
 * create or rebuild the -shm beside it, the WAL's index (shared memory, derived from the -wal, not
 * data). A closed log has no -wal (the writer folds it in and switches to rollback mode), so
 * reading it creates no file. Throws a LogError: `not-a-log` when the file is missing or not an
 * mshv-control log, a header problem when its header is missing, unsupported or damaged.
 *
 * @example
 * const log = openLog('/tmp/run.log');
 * for (const { seq, record } of log.records()) console.log(seq, record.kind);
 * log.close();
 */
export function openLog(path: string): LogReader {
  if (!existsSync(path)) throw new LogError(path, null, 'not-a-log', 'no such file');
  if (!statSync(path).isFile()) throw new LogError(path, null, 'not-a-log', 'not a regular file');
  let db: DatabaseSync;
  try {
    db = new DatabaseSync(path, { readOnly: true });
  } catch (e) {
    throw new LogError(path, null, 'not-a-log', `SQLite cannot open it: ${(e as Error).message}`);
  }
  try {
    return new LogReader(path, db);
  } catch (e) {
    db.close();
    throw e;
  }
}

/** A log opened read-only by `openLog`. */
export class LogReader {
  readonly header: LogHeader;
  /** The header's stored checksum (verified), the root of the record chain. */
  readonly headerChecksum: string;
  readonly #db: DatabaseSync;

  constructor(
    readonly path: string,
    db: DatabaseSync,
  ) {
    this.#db = db;
    const { header, checksum } = readHeader(path, db);
    this.header = header;
    this.headerChecksum = checksum;
  }

  /** The end marker, or null when the log was not closed (crashed, or still being written). */
  endMarker(): EndMarker | null {
    const row = this.#sql(() =>
      this.#db.prepare('SELECT last_seq, last_checksum FROM end_marker WHERE id = 1').get(),
    );
    if (row === undefined) return null;
    const { last_seq: lastSeq, last_checksum: lastChecksum } = row;
    if (typeof lastSeq !== 'number' || typeof lastChecksum !== 'string' || !isChecksumHex(lastChecksum))
      throw new LogError(this.path, null, 'end-marker', 'end marker: malformed row');
    return { lastSeq, lastChecksum };
  }

  /**
   * The records in seq order, decoded, lazily (one row in memory at a time). With `verify` (the
   * default) the first damaged record throws a LogError naming its seq: a seq gap, a checksum that
   * does not match the chain, a kind column that disagrees with the body, an undecodable body, an
   * unknown kind or version, and, reading to the end of a closed log, a missing tail.
   */
  *records(options: ReadOptions = {}): Generator<StoredRecord, void, undefined> {
    const fromSeq = options.fromSeq ?? 1;
    const verify = options.verify ?? true;
    const only = options.checksumKinds === undefined ? null : new Set(options.checksumKinds);
    const defer = options.deferKinds === undefined ? null : new Set<unknown>(options.deferKinds);
    if (!Number.isSafeInteger(fromSeq) || fromSeq < 1)
      throw new RangeError(`records.fromSeq: ${fromSeq} is not a seq (an integer from 1)`);
    const end = verify ? this.endMarker() : null;
    const prevChecksum = fromSeq === 1 ? this.headerChecksum : this.#storedChecksum(fromSeq - 1);
    // A statement per walk: walks may interleave (latestSnapshot inside a loop over records).
    const select = this.#sql(() =>
      this.#db.prepare('SELECT seq, kind, body, checksum FROM records WHERE seq >= ? ORDER BY seq'),
    );
    select.setReturnArrays(true);
    // Verifying from the start reads every row: one stored below seq 1 is damage, not invisible.
    const lowest = verify && fromSeq === 1 ? Number.MIN_SAFE_INTEGER : fromSeq;
    const rows = this.#sql(() => select.iterate(lowest), fromSeq);
    try {
      yield* this.#walk(rows, fromSeq, verify, only, defer, prevChecksum, end);
    } finally {
      // A caller that stops early must not keep the read transaction (it would pin the WAL).
      rows.return?.();
    }
  }

  *#walk(
    rows: Iterator<unknown>,
    fromSeq: number,
    verify: boolean,
    only: ReadonlySet<unknown> | null,
    defer: ReadonlySet<unknown> | null,
    prevChecksumIn: string,
    end: EndMarker | null,
  ): Generator<StoredRecord, void, undefined> {
    let prevChecksum = prevChecksumIn;
    let expected = fromSeq;
    while (true) {
      const step = this.#sql(() => rows.next(), expected);
      if (step.done === true) break;
      const [seq, kind, body, checksum] = step.value as [unknown, unknown, unknown, unknown];
      if (typeof seq !== 'number') throw this.#error(expected, 'storage', 'seq is not an integer');
      if (verify && seq !== expected)
        throw this.#error(
          expected,
          'seq-gap',
          seq > expected
            ? `missing: the next stored record is seq ${seq} (${seq - expected} record(s) deleted)`
            : seq < 1
              ? `a stray row with seq ${seq} (seqs start at 1; a writer never stores one)`
              : `out of order: found seq ${seq}`,
        );
      if (typeof body !== 'string') throw this.#error(seq, 'undecodable', 'body is not text');
      if (verify && only !== null && !only.has(kind)) {
        if (typeof checksum !== 'string' || !isChecksumHex(checksum))
          throw this.#error(seq, 'checksum', 'stored checksum is malformed');
      } else if (verify) {
        const computed = recordChecksum(prevChecksum, seq, body);
        if (computed === null) throw this.#error(seq, 'undecodable', 'body is not canonical (not ASCII)');
        if (computed !== checksum)
          throw this.#error(
            seq,
            'checksum',
            `checksum mismatch: stored ${String(checksum)}, computed ${computed} (this record, or the chain before it, was changed)`,
          );
      }
      if (defer?.has(kind) === true) {
        yield new DeferredRecord(this.path, seq, checksum as string, body, kind as RecordKind, verify);
      } else {
        const record = decodeStored(this.path, seq, body, kind, verify);
        yield { seq, checksum: checksum as string, body, kind: record.kind, record };
      }
      prevChecksum = checksum as string;
      expected = seq + 1;
    }
    if (end !== null) this.#checkEnd(end, expected - 1, prevChecksum);
  }

  /**
   * Walk the whole log and report the first problem instead of throwing it. Also runs SQLite's
   * `quick_check`, which finds damage in pages the walk does not read.
   *
   * @example
   * const v = openLog('/tmp/run.log').verify();
   * if (!v.ok) console.error(v.error?.message); // 'run.log: seq 42: checksum mismatch: ...'
   */
  verify(): LogVerdict {
    const byKind = Object.fromEntries(RECORD_KINDS.map((k) => [k, 0])) as Record<RecordKind, number>;
    let records = 0;
    let lastGoodSeq = 0;
    let closed = false;
    let error: LogError | null = null;
    try {
      closed = this.endMarker() !== null;
      for (const { seq, record } of this.records()) {
        records += 1;
        lastGoodSeq = seq;
        byKind[record.kind] += 1;
      }
      const check = this.#sql(() => this.#db.prepare('PRAGMA quick_check').all());
      const first = check[0]?.quick_check;
      if (first !== 'ok')
        throw new LogError(this.path, null, 'storage', `SQLite quick_check: ${String(first)}`);
    } catch (e) {
      if (!(e instanceof LogError)) throw e;
      error = e;
    }
    return { ok: error === null, records, lastGoodSeq, byKind, closed, error };
  }

  /** Counts as stored (by the kind column), first and last seq; no decoding, no checks. */
  stats(): LogStats {
    return this.#sql(() => {
      const range = this.#db
        .prepare('SELECT count(*) AS n, min(seq) AS lo, max(seq) AS hi FROM records')
        .get();
      const byKind: Record<string, number> = {};
      for (const row of this.#db
        .prepare('SELECT kind, count(*) AS n FROM records GROUP BY kind ORDER BY kind')
        .all())
        byKind[String(row.kind)] = Number(row.n);
      return {
        records: Number(range?.n ?? 0),
        firstSeq: typeof range?.lo === 'number' ? range.lo : null,
        lastSeq: typeof range?.hi === 'number' ? range.hi : null,
        byKind,
      };
    });
  }

  /**
   * The last snapshot record at or before `seq` (default: the last one), checked against its
   * predecessor's stored checksum, or null when there is none: where replay from a snapshot starts.
   */
  latestSnapshot(atOrBeforeSeq: number = Number.MAX_SAFE_INTEGER): StoredRecord | null {
    const row = this.#sql(() =>
      this.#db
        .prepare("SELECT seq FROM records WHERE kind = 'snapshot' AND seq <= ? ORDER BY seq DESC LIMIT 1")
        .get(atOrBeforeSeq),
    );
    if (row === undefined || typeof row.seq !== 'number') return null;
    const first = this.records({ fromSeq: row.seq }).next();
    return first.done === true ? null : first.value;
  }

  /** Release the file. */
  close(): void {
    if (this.#db.isOpen) this.#db.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }

  #storedChecksum(seq: number): string {
    const row = this.#sql(() => this.#db.prepare('SELECT checksum FROM records WHERE seq = ?').get(seq), seq);
    if (row === undefined) throw this.#error(seq, 'seq-gap', 'missing (reading from the record after it)');
    const c = row.checksum;
    if (typeof c !== 'string' || !isChecksumHex(c))
      throw this.#error(seq, 'checksum', 'stored checksum is malformed');
    return c;
  }

  #checkEnd(end: EndMarker, lastSeq: number, lastChecksum: string): void {
    if (lastSeq < end.lastSeq)
      throw this.#error(
        lastSeq + 1,
        'truncated',
        `truncated: the log was closed at seq ${end.lastSeq} but its records end at seq ${lastSeq}`,
      );
    if (lastSeq > end.lastSeq)
      throw this.#error(
        end.lastSeq + 1,
        'end-marker',
        `appended after the end marker (closed at seq ${end.lastSeq})`,
      );
    if (lastChecksum !== end.lastChecksum)
      throw this.#error(
        lastSeq,
        'end-marker',
        `checksum ${lastChecksum} differs from the end marker's ${end.lastChecksum}`,
      );
  }

  #error(seq: number, problem: LogError['problem'], detail: string): LogError {
    return new LogError(this.path, seq, problem, detail);
  }

  /** Run a SQLite call, turning its errors (a malformed or truncated file) into a LogError. */
  #sql<T>(f: () => T, seq: number | null = null): T {
    try {
      return f();
    } catch (e) {
      if (e instanceof LogError) throw e;
      const where = seq === null ? '' : ` reading seq ${seq}`;
      throw new LogError(this.path, seq, 'storage', `SQLite error${where}: ${(e as Error).message}`);
    }
  }
}

/** Read and check the header row: present, a supported format version, well-formed, checksum. */
function readHeader(path: string, db: DatabaseSync): { header: LogHeader; checksum: string } {
  let appId: unknown;
  let tables: Set<string>;
  try {
    appId = db.prepare('PRAGMA application_id').get()?.application_id;
    tables = new Set(
      db
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'table'")
        .all()
        .map((r) => String(r.name)),
    );
  } catch (e) {
    throw diagnoseUnreadable(path, (e as Error).message);
  }
  if (appId === 0 && tables.size === 0)
    throw new LogError(
      path,
      null,
      'header-missing',
      'header missing: the file holds no tables (its writer stopped before the header was committed)',
    );
  if (appId !== LOG_APPLICATION_ID)
    throw new LogError(
      path,
      null,
      'not-a-log',
      `not an mshv-control log (SQLite application_id ${String(appId)})`,
    );
  if (!tables.has('header'))
    throw new LogError(path, null, 'header-missing', "header missing: no 'header' table");
  for (const t of ['records', 'end_marker'])
    if (!tables.has(t)) throw new LogError(path, null, 'header-invalid', `table '${t}' missing`);
  const version = db.prepare('SELECT format_version FROM header WHERE id = 1').get()?.format_version;
  if (version === undefined)
    throw new LogError(path, null, 'header-missing', 'header missing: the header table is empty');
  if (version !== LOG_FORMAT_VERSION)
    throw new LogError(
      path,
      null,
      'header-version',
      `header: format version ${String(version)} is not supported (this build reads format ${LOG_FORMAT_VERSION})`,
    );
  const row = db
    .prepare(
      'SELECT seed, product_version, node_version, created_by, meta, checksum FROM header WHERE id = 1',
    )
    .get();
  const bad = (what: string): LogError => new LogError(path, null, 'header-invalid', `header: ${what}`);
  if (row === undefined) throw bad('row vanished');
  const text = (col: string): string => {
    const v = row[col];
    if (typeof v !== 'string') throw bad(`${col} is not text`);
    return v;
  };
  let meta: unknown;
  try {
    meta = JSON.parse(text('meta'));
  } catch {
    throw bad('meta is not JSON');
  }
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta))
    throw bad('meta is not a JSON object');
  const header: LogHeader = {
    formatVersion: version,
    seed: text('seed'),
    productVersion: text('product_version'),
    nodeVersion: text('node_version'),
    createdBy: text('created_by'),
    meta: meta as JsonObject,
  };
  const stored = text('checksum');
  let computed: string;
  try {
    computed = headerChecksum(canonicalHeader(header));
  } catch {
    throw bad('fields are not canonical');
  }
  if (stored !== computed)
    throw new LogError(
      path,
      null,
      'header-checksum',
      `header: checksum mismatch: stored ${stored}, computed ${computed}`,
    );
  return { header, checksum: stored };
}
