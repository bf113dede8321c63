import { readFileSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { LogError } from './LogError.js';
import { LOG_APPLICATION_ID } from './schema.js';

const SQLITE_MAGIC = 'SQLite format 3\u0000';
const SQLITE_HEADER_BYTES = 100;

/**
 * Explain a file SQLite refuses to read (`cause` is SQLite's message). Not SQLite at all: bad input.
 * SQLite, but shorter than its header declares (a copy cut short, a full disk): `truncated`, with
 * the seq where the readable records stop. The seq is found by reading an in-memory copy padded
 * to the declared size (missing pages read as zeros, which SQLite rejects where it meets them); the
 * file itself is only read. Otherwise: `storage`, with SQLite's message.
 *
 * @example
 * diagnoseUnreadable('/tmp/cut.log', 'database disk image is malformed').message;
 * // '/tmp/cut.log: seq 58: the file is truncated: 212992 bytes of the 425984 its SQLite header declares ...'
 */
export function diagnoseUnreadable(path: string, cause: string): LogError {
  const bytes = readFileSync(path);
  if (bytes.length < SQLITE_HEADER_BYTES || bytes.toString('latin1', 0, 16) !== SQLITE_MAGIC)
    return new LogError(path, null, 'not-a-log', `not a SQLite database (${cause})`);
  const pageSizeField = bytes.readUInt16BE(16);
  const pageSize = pageSizeField === 1 ? 65_536 : pageSizeField;
  const declared = pageSize * bytes.readUInt32BE(28);
  if (bytes.length >= declared)
    return new LogError(path, null, 'storage', `the file is damaged (SQLite: ${cause})`);
  const what = `the file is truncated: ${bytes.length} bytes of the ${declared} its SQLite header declares (SQLite: ${cause})`;
  const readable = readableRecords(bytes, declared);
  return readable === null
    ? new LogError(path, null, 'truncated', what)
    : new LogError(path, readable + 1, 'truncated', `${what}; records are readable up to seq ${readable}`);
}

/** The last seq readable from a zero-padded in-memory copy; null when not even the schema reads. */
function readableRecords(bytes: Uint8Array, declared: number): number | null {
  const copy = new Uint8Array(declared);
  copy.set(bytes);
  // File format bytes 18-19: 2 = WAL. An in-memory database cannot be in WAL mode; the copy says
  // rollback (1). The file keeps its bytes.
  copy[18] = 1;
  copy[19] = 1;
  const db = new DatabaseSync(':memory:');
  try {
    db.deserialize(copy);
    if (db.prepare('PRAGMA application_id').get()?.application_id !== LOG_APPLICATION_ID) return null;
    const rows = db.prepare('SELECT seq, length(body) AS n, checksum FROM records ORDER BY seq').iterate();
    let last = 0;
    try {
      for (const row of rows) if (typeof row.seq === 'number') last = row.seq;
    } catch {
      // The first unreadable page ends the readable records.
    }
    return last;
  } catch {
    return null;
  } finally {
    db.close();
  }
}
