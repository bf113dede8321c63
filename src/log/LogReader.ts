import { existsSync, statSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { isChecksumHex, recordChecksum } from './checksum.js';
import { checksumLinks } from './checksumLinks.js';
import { DeferredRecord, decodeStored } from './DeferredRecord.js';
import { checkFileShape, diagnoseUnreadable, type ReadableUpTo } from './diagnoseUnreadable.js';
import { LogError } from './LogError.js';
import { RecordRows } from './RecordRows.js';
import { canonicalHeader, LOG_FORMAT_VERSION, type LogHeader } from './LogHeader.js';
import { headerChecksum } from './checksum.js';
import { RECORD_KINDS, type RecordKind, type StoredRecord } from './LogRecord.js';
import { LOG_APPLICATION_ID } from './schema.js';
import { walDamage, type WalDamage } from './walDamage.js';
import type { JsonObject } from './JsonValue.js';
import { unknownOption } from '../scenario/unknownOption.js';

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

/** The members `ReadOptions` has: anything else is refused (a misspelt option would be ignored). */
const READ_OPTIONS: readonly string[] = [
  'fromSeq',
  'verify',
  'checksumKinds',
  'deferKinds',
] satisfies readonly (keyof ReadOptions)[];

/**
 * Refuse read options `records` would misread, naming the option (`verify: 'no'` read as true);
 * `fromSeq` is checked where it is used.
 */
function checkReadOptions(options: ReadOptions): void {
  const unknown = unknownOption('records.', options, READ_OPTIONS);
  if (unknown !== undefined) throw new TypeError(unknown);
  if (options.verify !== undefined && typeof options.verify !== 'boolean')
    throw new TypeError(`records.verify: ${typeof options.verify} is not true or false`);
  for (const name of ['checksumKinds', 'deferKinds'] as const) {
    const kinds: unknown = options[name];
    if (kinds !== undefined && !(Array.isArray(kinds) && kinds.every((k) => typeof k === 'string')))
      throw new TypeError(`records.${name}: expected an array of record kinds`);
  }
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
  const hasWal = walBeside(path);
  const readable = readableUpTo(path);
  // Before SQLite reads it: a file cut short would hand out zero-filled records as if they were data.
  const misfit = hasWal ? null : checkFileShape(path, readable);
  if (misfit !== null) throw misfit;
  // SQLite takes damage in a -wal for a torn tail and silently drops every commit after it.
  const lostCommits = hasWal ? walDamage(`${path}-wal`) : null;
  let db: DatabaseSync;
  try {
    db = new DatabaseSync(path, { readOnly: true });
  } catch (e) {
    throw new LogError(path, null, 'not-a-log', `SQLite cannot open it: ${(e as Error).message}`);
  }
  let reader: LogReader;
  try {
    reader = new LogReader(path, db, (cause) => diagnoseUnreadable(path, cause, readable, hasWal));
  } catch (e) {
    db.close();
    if (lostCommits !== null && e instanceof LogError && !e.isBadInput)
      throw walError(path, lostCommits, null);
    throw e;
  }
  if (lostCommits !== null) {
    let lastSeq: number | null;
    try {
      lastSeq = reader.stats().lastSeq ?? 0;
    } catch {
      lastSeq = null;
    } finally {
      reader.close();
    }
    throw walError(path, lostCommits, lastSeq);
  }
  return reader;
}

/** Commits in the -wal that SQLite does not read, as the LogError naming where the records stop. */
function walError(path: string, d: WalDamage, lastSeq: number | null): LogError {
  const where =
    d.frame === 0
      ? `its header is damaged, so SQLite ignores all ${d.frames} of its frames`
      : `frame ${d.frame} of ${d.frames} fails its checksum, so SQLite reads only the transactions committed before it`;
  const readable =
    lastSeq === null
      ? ''
      : lastSeq === 0
        ? '; no record is readable'
        : `; records are readable up to seq ${lastSeq}`;
  return new LogError(
    path,
    lastSeq === null ? null : lastSeq + 1,
    'storage',
    `the -wal is damaged: ${where}, yet ${d.laterCommits} linked commit frame(s) follow ` +
      '(a damaged byte, or a power loss under normal durability; a killed writer leaves only its last, ' +
      `unfinished transaction behind a bad frame): the records committed from there on cannot be read${readable}`,
  );
}

/** A `-wal` with content beside the log: a writer crashed or is still writing. */
function walBeside(path: string): boolean {
  try {
    return statSync(`${path}-wal`).size > 0;
  } catch {
    return false;
  }
}

/** How far a damaged copy of the log at `path` reads: its last verified seq (`verify()`). */
function readableUpTo(path: string): ReadableUpTo {
  return (db) => {
    let reader: LogReader;
    try {
      reader = new LogReader(path, db);
    } catch {
      return null;
    }
    return reader.verify().lastGoodSeq;
  };
}

/**
 * A log opened read-only by `openLog`: its header, its records in seq order (checked as they are
 * read), its end marker, and `verify()` over the whole file.
 *
 * @example
 * const log = openLog('/tmp/run.log');
 * for (const { seq, record } of log.records()) console.log(seq, record.kind);
 * log.close();
 */
export class LogReader {
  readonly header: LogHeader;
  /** The header's stored checksum (verified), the root of the record chain. */
  readonly headerChecksum: string;
  readonly #db: DatabaseSync;

  /**
   * @param unreadable what a SQLite error reading the header means (`openLog` diagnoses the file:
   *   cut short, a damaged header field); by default, damage with SQLite's message.
   */
  constructor(
    readonly path: string,
    db: DatabaseSync,
    unreadable: (cause: string) => LogError = (cause) =>
      new LogError(path, null, 'storage', `the file is damaged (SQLite: ${cause})`),
  ) {
    this.#db = db;
    const { header, checksum } = readHeader(path, db, unreadable);
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
   * The records in seq order, decoded, lazily (one query of ROWS_PER_QUERY rows in memory at a
   * time: `RecordRows`). With `verify` (the default) the first damaged record throws a LogError
   * naming its seq: a seq gap, a checksum that does not match the chain, a kind column that
   * disagrees with the body, an undecodable body, an unknown kind or version, and, reading to the end
   * of a closed log, a missing tail.
   */
  *records(options: ReadOptions = {}): Generator<StoredRecord, void, undefined> {
    checkReadOptions(options);
    const fromSeq = options.fromSeq ?? 1;
    const verify = options.verify ?? true;
    const only = options.checksumKinds === undefined ? null : new Set(options.checksumKinds);
    const defer = options.deferKinds === undefined ? null : new Set<unknown>(options.deferKinds);
    if (!Number.isSafeInteger(fromSeq) || fromSeq < 1)
      throw new RangeError(`records.fromSeq: ${fromSeq} is not a seq (an integer from 1)`);
    const end = verify ? this.endMarker() : null;
    const prevChecksum = fromSeq === 1 ? this.headerChecksum : this.#storedChecksum(fromSeq - 1);
    // Rows per walk: walks may interleave (latestSnapshot inside a loop over records).
    // Verifying from the start reads every row: one stored below seq 1 is damage, not invisible.
    const lowest = verify && fromSeq === 1 ? Number.MIN_SAFE_INTEGER : fromSeq;
    const rows = this.#sql(() => new RecordRows(this.#db, lowest), fromSeq);
    try {
      yield* this.#walk(rows, fromSeq, verify, only, defer, prevChecksum, end);
    } finally {
      rows.close();
    }
  }

  *#walk(
    rows: RecordRows,
    fromSeq: number,
    verify: boolean,
    only: ReadonlySet<unknown> | null,
    defer: ReadonlySet<unknown> | null,
    prevChecksumIn: string,
    end: EndMarker | null,
  ): Generator<StoredRecord, void, undefined> {
    let prevChecksum = prevChecksumIn;
    // The previous record's body and the checksum before it, when its own checksum was only checked
    // for form: a mismatch in the record after it may be its checksum's fault, and is blamed on it.
    let uncheckedBody: string | null = null;
    let uncheckedPrev = '';
    let expected = fromSeq;
    while (true) {
      const row = this.#sql(() => rows.next(), expected);
      if (row === undefined) break;
      const [seq, kind, body, checksum] = row;
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
      let unchecked = false;
      if (verify && only !== null && !only.has(kind)) {
        if (typeof checksum !== 'string' || !isChecksumHex(checksum))
          throw this.#error(
            seq,
            'checksum',
            `stored checksum is malformed (${typeof checksum === 'string' ? JSON.stringify(checksum) : `not text: ${typeof checksum}`})`,
          );
        unchecked = true;
      } else if (verify && !checksumLinks(prevChecksum, seq, body, checksum)) {
        const computed = recordChecksum(prevChecksum, seq, body);
        if (computed === null) throw this.#error(seq, 'undecodable', 'body is not canonical (not ASCII)');
        if (uncheckedBody !== null) this.#blamePrevious(seq - 1, uncheckedBody, uncheckedPrev, prevChecksum);
        throw this.#error(
          seq,
          'checksum',
          `checksum mismatch: stored ${String(checksum)}, computed ${computed} (this record, or the chain before it, was changed)`,
        );
      }
      yield this.#stored(seq, kind, body, checksum as string, defer, verify);
      uncheckedBody = unchecked ? body : null;
      uncheckedPrev = prevChecksum;
      prevChecksum = checksum as string;
      expected = seq + 1;
    }
    if (end !== null) {
      if (uncheckedBody !== null && prevChecksum !== end.lastChecksum)
        this.#blamePrevious(expected - 1, uncheckedBody, uncheckedPrev, prevChecksum);
      this.#checkEnd(end, expected - 1, prevChecksum);
    }
  }

  #stored(
    seq: number,
    kind: unknown,
    body: string,
    checksum: string,
    defer: ReadonlySet<unknown> | null,
    verify: boolean,
  ): StoredRecord {
    if (defer?.has(kind) === true)
      return new DeferredRecord(this.path, seq, checksum, body, kind as RecordKind, verify);
    const record = decodeStored(this.path, seq, body, kind, verify);
    return { seq, checksum, body, kind: record.kind, record };
  }

  /**
   * The chain broke just after record `seq`, whose checksum was only checked for form: when its
   * stored checksum does not match its own body, the damage is its own, and is named at it.
   */
  #blamePrevious(seq: number, body: string, checksumBefore: string, stored: string): void {
    const computed = recordChecksum(checksumBefore, seq, body);
    if (computed !== stored)
      throw this.#error(
        seq,
        'checksum',
        `checksum mismatch: stored ${stored}, computed ${computed ?? 'none (not ASCII)'} (this record, or the chain before it, was changed)`,
      );
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
      if (check.length !== 1 || check[0]?.quick_check !== 'ok')
        throw new LogError(this.path, null, 'storage', `SQLite quick_check: ${quickCheckSummary(check)}`);
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
   * The highest seq stored, or null when there is none: one lookup at the end of the records' key,
   * which reads a few pages, where `stats()` reads them all (and fails on any damaged one).
   *
   * @example
   * openLog('/tmp/crashed.log').lastStoredSeq(); // 2098
   */
  lastStoredSeq(): number | null {
    const row = this.#sql(() => this.#db.prepare('SELECT max(seq) AS hi FROM records').get());
    return typeof row?.hi === 'number' ? row.hi : null;
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

/** The first problems `PRAGMA quick_check` lists, one line: it may report dozens, a line each. */
function quickCheckSummary(rows: readonly Record<string, unknown>[]): string {
  const shown = 3;
  const lines = rows
    .flatMap((r) => String(r.quick_check).split('\n'))
    .filter((l) => l !== '' && !l.startsWith('*** in database'));
  const more = lines.length > shown ? `; and ${lines.length - shown} more` : '';
  return `${lines.slice(0, shown).join('; ')}${more}`;
}

/**
 * Read and check the header row: present, a supported format version, well-formed, checksum. A
 * SQLite error on the way (a damaged page) is `unreadable`'s LogError, never SQLite's own.
 */
function readHeader(
  path: string,
  db: DatabaseSync,
  unreadable: (cause: string) => LogError,
): { header: LogHeader; checksum: string } {
  const query = <T>(f: () => T): T => {
    try {
      return f();
    } catch (e) {
      if (e instanceof LogError) throw e;
      throw unreadable((e as Error).message);
    }
  };
  const appId = query(() => db.prepare('PRAGMA application_id').get()?.application_id);
  const tables = query(
    () =>
      new Set(
        db
          .prepare("SELECT name FROM sqlite_schema WHERE type = 'table'")
          .all()
          .map((r) => String(r.name)),
      ),
  );
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
  const version = query(
    () => db.prepare('SELECT format_version FROM header WHERE id = 1').get()?.format_version,
  );
  if (version === undefined)
    throw new LogError(path, null, 'header-missing', 'header missing: the header table is empty');
  if (typeof version !== 'number' || !Number.isSafeInteger(version))
    throw new LogError(path, null, 'header-invalid', 'header: format_version is not an integer');
  // Another format is a log this build does not read (bad input): the build that wrote it reads it.
  if (version !== LOG_FORMAT_VERSION)
    throw new LogError(
      path,
      null,
      'header-version',
      `header: format version ${String(version)} is not supported (this build reads format ${LOG_FORMAT_VERSION})`,
    );
  const row = query(() =>
    db
      .prepare(
        'SELECT seed, product_version, node_version, created_by, meta, checksum FROM header WHERE id = 1',
      )
      .get(),
  );
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
