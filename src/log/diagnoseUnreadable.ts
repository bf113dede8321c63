import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { LogError } from './LogError.js';

const SQLITE_MAGIC = 'SQLite format 3\u0000';
const SQLITE_HEADER_BYTES = 100;

/**
 * The last seq whose record reads and verifies from an in-memory copy of a log (`LogReader.verify`
 * run on it), or null when not even its header reads: how far a damaged file is still readable.
 */
export type ReadableUpTo = (db: DatabaseSync) => number | null;

/** What the first 100 bytes of a SQLite file say about its size. */
interface SqliteShape {
  readonly sizeBytes: number;
  /** Null when the page size field is not a SQLite page size (a power of two from 512 to 65536). */
  readonly pageSize: number | null;
  readonly pageSizeField: number;
  /**
   * The in-header page count (offset 28), or null where SQLite does not trust it either: zero, or
   * its change counter (offset 24) differs from its version-valid-for number (offset 92).
   */
  readonly declaredPages: number | null;
}

/**
 * Check a log file's size against its SQLite header, before SQLite reads it: cheap (one stat and
 * a read of 100 bytes), for a file with no `-wal` beside it (with one, the -wal decides the
 * database's size and SQLite's WAL recovery is the judge). SQLite writes whole pages, so a file
 * that ends inside a page was cut short (SQLite would read the missing bytes as zeros and hand out
 * records made of them), and one with fewer whole pages than its header declares was cut at a page
 * boundary, unless those pages are complete and consistent (SQLite's `quick_check` passes on them):
 * then the header's page count is what was damaged. Returns the LogError (`truncated`, with the seq
 * where the readable records stop, or `storage` for a damaged header field), or null when the file
 * is as long as it says or is not SQLite at all (SQLite then says so itself). Allocations are
 * bounded by the file's real size, whatever its header declares.
 *
 * @example
 * checkFileShape('/tmp/cut.log', readableUpTo)?.message;
 * // '/tmp/cut.log: seq 122: the file is truncated: 81921 bytes of the 86016 its SQLite header declares (...); records are readable up to seq 121'
 */
export function checkFileShape(path: string, readable: ReadableUpTo): LogError | null {
  const shape = sqliteShape(path);
  if (shape === null) return null;
  const { sizeBytes, pageSize, declaredPages } = shape;
  if (pageSize === null)
    return new LogError(
      path,
      null,
      'storage',
      `the file is damaged: its SQLite header's page size field (offset 16) reads ${shape.pageSizeField}, not a page size (a power of two from 512 to 65536)`,
    );
  const filePages = Math.ceil(sizeBytes / pageSize);
  const cutInsidePage = sizeBytes % pageSize !== 0;
  const declaredBytes = declaredPages === null ? null : declaredPages * pageSize;
  if (cutInsidePage) {
    // A partial page past the pages the header declares is bytes SQLite never reads.
    if (declaredBytes !== null && declaredBytes <= sizeBytes) return null;
    const what =
      declaredBytes === null
        ? `the file is truncated: ${sizeBytes} bytes, not a whole number of its ${pageSize}-byte pages (the last page is cut short)`
        : `the file is truncated: ${sizeBytes} bytes of the ${declaredBytes} its SQLite header declares (it ends inside a ${pageSize}-byte page)`;
    return truncated(path, readCopy(path, sizeBytes, pageSize, filePages), what, readable);
  }
  if (declaredPages === null || declaredPages <= filePages) return null;
  const copy = readCopy(path, sizeBytes, pageSize, filePages);
  if (quickCheckPasses(copy))
    return new LogError(
      path,
      null,
      'storage',
      `the file is damaged: its SQLite header declares ${declaredPages} pages of ${pageSize} bytes (page count at offset 28), ` +
        `but the file's ${filePages} pages are complete and consistent (SQLite's quick_check passes on them): ` +
        'the header field was changed; the file was not cut short',
    );
  return truncated(
    path,
    copy,
    `the file is truncated: ${sizeBytes} bytes of the ${declaredBytes ?? 0} its SQLite header declares (cut at a page boundary)`,
    readable,
  );
}

/**
 * Explain a file SQLite refuses to read (`cause` is SQLite's message). Not SQLite at all: bad input.
 * SQLite, but cut short or with a damaged size field in its header (`checkFileShape`, when no
 * `-wal` is beside it): `truncated`, with the seq where the readable records stop, or `storage`
 * naming the field. Otherwise: `storage`, with SQLite's message. The file itself is only read.
 *
 * @example
 * diagnoseUnreadable('/tmp/x.log', 'database disk image is malformed', readableUpTo, false).message;
 * // '/tmp/x.log: the file is damaged (SQLite: database disk image is malformed)'
 */
export function diagnoseUnreadable(
  path: string,
  cause: string,
  readable: ReadableUpTo,
  hasWal: boolean,
): LogError {
  const shape = sqliteShape(path);
  if (shape === null) return new LogError(path, null, 'not-a-log', `not a SQLite database (${cause})`);
  const misfit = hasWal ? null : checkFileShape(path, readable);
  if (misfit !== null) return misfit;
  return new LogError(path, null, 'storage', `the file is damaged (SQLite: ${cause})`);
}

/** The SQLite header's size fields, or null when the file is not SQLite (too short, no magic). */
function sqliteShape(path: string): SqliteShape | null {
  const fd = openSync(path, 'r');
  try {
    const sizeBytes = fstatSync(fd).size;
    if (sizeBytes < SQLITE_HEADER_BYTES) return null;
    const head = Buffer.alloc(SQLITE_HEADER_BYTES);
    if (readSync(fd, head, 0, SQLITE_HEADER_BYTES, 0) < SQLITE_HEADER_BYTES) return null;
    if (head.toString('latin1', 0, 16) !== SQLITE_MAGIC) return null;
    const pageSizeField = head.readUInt16BE(16);
    const size = pageSizeField === 1 ? 65_536 : pageSizeField;
    const pageSize = size >= 512 && (size & (size - 1)) === 0 ? size : null;
    const count = head.readUInt32BE(28);
    const declaredPages = count !== 0 && head.readUInt32BE(24) === head.readUInt32BE(92) ? count : null;
    return { sizeBytes, pageSize, pageSizeField, declaredPages };
  } finally {
    closeSync(fd);
  }
}

/**
 * The file's bytes as a database of `pages` pages: the last page zero-padded when cut short (at
 * most one page more than the file), its header's page count set to what the file holds (so
 * SQLite meets a missing page as a page number out of range), and rollback mode (an in-memory
 * database cannot be in WAL mode). The file keeps its bytes.
 */
function readCopy(path: string, sizeBytes: number, pageSize: number, pages: number): Uint8Array {
  const copy = Buffer.alloc(pages * pageSize);
  const fd = openSync(path, 'r');
  try {
    for (let at = 0; at < sizeBytes;) {
      const n = readSync(fd, copy, at, sizeBytes - at, at);
      if (n === 0) break;
      at += n;
    }
  } finally {
    closeSync(fd);
  }
  copy[18] = 1;
  copy[19] = 1;
  copy.writeUInt32BE(pages, 28);
  copy.writeUInt32BE(copy.readUInt32BE(24), 92);
  return copy;
}

function withCopy<T>(copy: Uint8Array, fallback: T, f: (db: DatabaseSync) => T): T {
  const db = new DatabaseSync(':memory:');
  try {
    db.deserialize(copy);
    return f(db);
  } catch {
    return fallback;
  } finally {
    db.close();
  }
}

function quickCheckPasses(copy: Uint8Array): boolean {
  return withCopy(copy, false, (db) => {
    const rows = db.prepare('PRAGMA quick_check').all();
    return rows.length === 1 && rows[0]?.quick_check === 'ok';
  });
}

function truncated(path: string, copy: Uint8Array, what: string, readable: ReadableUpTo): LogError {
  const last = withCopy(copy, null, readable);
  if (last === null) return new LogError(path, null, 'truncated', what);
  const readableText = last === 0 ? 'no record is readable' : `records are readable up to seq ${last}`;
  return new LogError(path, last + 1, 'truncated', `${what}; ${readableText}`);
}
