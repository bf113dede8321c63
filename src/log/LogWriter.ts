import { closeSync, existsSync, openSync, statSync } from 'node:fs';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { recordChecksum } from './checksum.js';
import { encodeRecord } from './encodeRecord.js';
import { canonicalJson } from './canonicalJson.js';
import {
  checksumOfHeader,
  LOG_FORMAT_VERSION,
  makeHeader,
  type LogHeader,
  type LogHeaderInit,
} from './LogHeader.js';
import type { LogRecord } from './LogRecord.js';
import { LOG_APPLICATION_ID, SCHEMA_SQL } from './schema.js';

/**
 * How hard each commit pushes to the disk.
 * - `full` (default): SQLite `synchronous=FULL` in WAL mode: the WAL is fsynced at every commit,
 *   so a committed operation survives a process kill and a power loss.
 * - `normal`: `synchronous=NORMAL` in WAL mode: no fsync per commit (the WAL is synced at each
 *   checkpoint, every ~1000 pages, and at close). A committed operation survives a process kill
 *   (the bytes are in the OS's page cache); a power loss may lose the commits since the last
 *   checkpoint but never leaves a partial transaction. About 5x the commit rate (`npm run bench`).
 */
export type LogDurability = 'full' | 'normal';

/** SQLite primary result codes for a lock held by another connection. */
const SQLITE_BUSY = 5;
const SQLITE_LOCKED = 6;

/**
 * Records (or body characters) a writer holds in memory before it moves them into the open
 * transaction: one operation may append a million hypercall records (a 1 TiB map in 4 KiB pages),
 * and they must not all wait in memory for the operation's commit.
 */
export const PENDING_RECORDS_MAX = 4096;
export const PENDING_CHARS_MAX = 32 * 1024 * 1024;

export interface LogWriterOptions {
  readonly durability?: LogDurability;
}

/**
 * The append side of a log. Records are validated, encoded and chained when appended, and written
 * when committed: one SQLite transaction per `commit()`, so callers commit at operation boundaries
 * and a crash leaves every committed operation whole and none of the one in flight.
 *
 * One writer per file: `create` refuses a path that exists. Not reentrant; not shared across threads.
 *
 * @example
 * const log = LogWriter.create('/tmp/run.log', { seed: 7n, productVersion: '0.1.0', createdBy: 'example' });
 * log.append({ kind: 'intent', name: 'host.createPartition', args: {} });
 * log.commit();
 * log.close();
 */
export class LogWriter {
  readonly header: LogHeader;
  readonly #db: DatabaseSync;
  readonly #insert: StatementSync;
  readonly #pending: { seq: number; kind: string; body: string; checksum: string }[] = [];
  #pendingChars = 0;
  /** A transaction is open: records of the commit in progress already went into it (`#spill`). */
  #inTransaction = false;
  #lastSeq = 0;
  #lastChecksum: string;
  #committedSeq = 0;
  #committedChecksum: string;
  #state: 'open' | 'closed' | 'failed' = 'open';

  private constructor(
    readonly path: string,
    db: DatabaseSync,
    header: LogHeader,
  ) {
    this.#db = db;
    this.header = header;
    this.#lastChecksum = this.#committedChecksum = checksumOfHeader(header);
    this.#insert = db.prepare('INSERT INTO records (seq, kind, body, checksum) VALUES (?, ?, ?, ?)');
  }

  /**
   * Create a new log at `path` with its header committed. Refuses (Error with code EEXIST) when
   * `path` exists, or when `path-wal` or `path-journal` exists: SQLite would apply a stale journal
   * left by another database to the new file.
   */
  static create(path: string, init: LogHeaderInit | LogHeader, options: LogWriterOptions = {}): LogWriter {
    if ('formatVersion' in init && init.formatVersion !== LOG_FORMAT_VERSION)
      throw new RangeError(
        `header.formatVersion: ${init.formatVersion} is not the format this build writes (${LOG_FORMAT_VERSION})`,
      );
    const durability: unknown = options.durability;
    if (durability !== undefined && durability !== 'full' && durability !== 'normal')
      throw new RangeError(
        `durability: ${typeof durability === 'string' ? `'${durability}'` : `a ${typeof durability}`} is not one of full, normal`,
      );
    const header = makeHeader(init);
    // The log itself first: a log being written has a -wal beside it, and its path is the news. (A
    // directory is left to the exclusive open below, which names it: EISDIR.)
    if (existsSync(path) && !statSync(path).isDirectory()) throw existsError(path, 'it exists');
    for (const p of [`${path}-wal`, `${path}-journal`])
      if (existsSync(p)) throw existsError(path, `${p} exists (left by another database)`);
    try {
      closeSync(openSync(path, 'wx')); // exclusive create: two writers cannot race for one path
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw existsError(path, 'it exists');
      throw e;
    }
    const db = new DatabaseSync(path);
    try {
      db.exec('PRAGMA journal_mode = WAL');
      db.exec(`PRAGMA synchronous = ${options.durability === 'normal' ? 'NORMAL' : 'FULL'}`);
      db.exec('BEGIN');
      db.exec(`PRAGMA application_id = ${LOG_APPLICATION_ID}`);
      db.exec(SCHEMA_SQL);
      db.prepare(
        'INSERT INTO header (id, format_version, seed, product_version, node_version, created_by, meta, checksum)' +
          ' VALUES (1, ?, ?, ?, ?, ?, ?, ?)',
      ).run(
        header.formatVersion,
        header.seed,
        header.productVersion,
        header.nodeVersion,
        header.createdBy,
        canonicalJson(header.meta),
        checksumOfHeader(header),
      );
      db.exec('COMMIT');
    } catch (e) {
      db.close();
      throw e;
    }
    return new LogWriter(path, db, header);
  }

  /** The seq of the last appended record (committed or not); 0 before any. */
  get lastSeq(): number {
    return this.#lastSeq;
  }

  /** The checksum of the last appended record (the header's before any): the head of the chain. */
  get lastChecksum(): string {
    return this.#lastChecksum;
  }

  /** The seq of the last committed record; 0 before any commit. */
  get committedSeq(): number {
    return this.#committedSeq;
  }

  /** Records appended since the last commit (in memory, or already in the open transaction). */
  get pendingCount(): number {
    return this.#lastSeq - this.#committedSeq;
  }

  /**
   * Buffer records for the next commit; returns the seq of the last one. Each record is checked
   * and encoded now, so a bad field throws here (naming it) and nothing of the call is buffered.
   * Past PENDING_RECORDS_MAX records or PENDING_CHARS_MAX characters the buffer moves into a
   * transaction left open until `commit()`: memory stays bounded, and a crash before the commit
   * still leaves none of it in the file (SQLite drops an uncommitted transaction).
   */
  append(...records: readonly LogRecord[]): number {
    this.#assertOpen('append');
    const encoded = records.map((r) => ({ kind: r.kind, body: encodeRecord(r) }));
    for (const { kind, body } of encoded) {
      const seq = this.#lastSeq + 1;
      const checksum = recordChecksum(this.#lastChecksum, seq, body);
      if (checksum === null) throw new Error(`${kind}: encoded body is not ASCII (encoder bug)`);
      this.#pending.push({ seq, kind, body, checksum });
      this.#pendingChars += body.length;
      this.#lastSeq = seq;
      this.#lastChecksum = checksum;
    }
    if (this.#pending.length >= PENDING_RECORDS_MAX || this.#pendingChars >= PENDING_CHARS_MAX) this.#spill();
    return this.#lastSeq;
  }

  /** Move the buffered records into the transaction of the commit in progress (opened here if need be). */
  #spill(): void {
    this.#guarded(() => {
      if (!this.#inTransaction) {
        this.#db.exec('BEGIN');
        this.#inTransaction = true;
      }
      for (const p of this.#pending) this.#insert.run(p.seq, p.kind, p.body, p.checksum);
    });
    this.#pending.length = 0;
    this.#pendingChars = 0;
  }

  /** Run a write; on failure roll back and leave the writer unusable (the file holds the earlier commits). */
  #guarded(write: () => void): void {
    try {
      write();
    } catch (e) {
      this.#state = 'failed';
      this.#inTransaction = false;
      if (this.#db.isTransaction) this.#db.exec('ROLLBACK');
      throw e;
    }
  }

  /**
   * Write the buffered records in one transaction; durable (per the durability option) when it
   * returns. Returns the last committed seq. A failure (disk full, I/O error) rolls the transaction
   * back and leaves the writer unusable: the file holds exactly the earlier commits.
   */
  commit(): number {
    this.#assertOpen('commit');
    if (this.#lastSeq === this.#committedSeq) return this.#committedSeq;
    this.#spill();
    this.#guarded(() => {
      this.#db.exec('COMMIT');
    });
    this.#inTransaction = false;
    this.#committedSeq = this.#lastSeq;
    this.#committedChecksum = this.#lastChecksum;
    return this.#committedSeq;
  }

  /**
   * Commit what is buffered, write the end marker (unless `endMarker: false`, which `log import`
   * uses to copy a log that was never closed), fold the WAL into the file and switch it to rollback
   * mode, so a closed log is one self-contained file and readers create no -wal or -shm beside it
   * (unless a reader had it open at that moment: then it stays in WAL mode, equally complete).
   */
  close(options: { readonly endMarker?: boolean } = {}): void {
    if (this.#state === 'closed') return;
    try {
      if (this.#state === 'open') {
        this.commit();
        if (options.endMarker !== false)
          this.#db
            .prepare('INSERT INTO end_marker (id, last_seq, last_checksum) VALUES (1, ?, ?)')
            .run(this.#committedSeq, this.#committedChecksum);
        this.#foldWal();
      }
    } finally {
      this.#state = 'closed';
      this.#db.close();
    }
  }

  /**
   * Checkpoint the WAL into the file and leave WAL mode. Best effort: while a reader holds the log
   * open SQLite refuses (SQLITE_BUSY), and the closed log stays in WAL mode with its -wal beside it,
   * complete all the same (the end marker is committed).
   */
  #foldWal(): void {
    try {
      this.#db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
      this.#db.exec('PRAGMA journal_mode = DELETE');
    } catch (e) {
      const code = (e as { errcode?: unknown }).errcode;
      if (code !== SQLITE_BUSY && code !== SQLITE_LOCKED) throw e;
    }
  }

  #assertOpen(what: string): void {
    if (this.#state !== 'open')
      throw new Error(
        `LogWriter.${what}: the log ${this.path} is ${this.#state === 'closed' ? 'closed' : 'unusable after a failed commit'}`,
      );
  }
}

function existsError(path: string, why: string): Error {
  return Object.assign(new Error(`refusing to create log ${path}: ${why}; a log is never overwritten`), {
    code: 'EEXIST',
  });
}
