/**
 * The SQLite schema of a log (format 1). Three tables, each append-only: triggers abort any UPDATE
 * or DELETE, so no tool that goes through SQLite rewrites a record by accident.
 *
 * - `header`: one row, the run header and its checksum (the root of the chain).
 * - `records`: one row per record: seq (1, 2, ...), kind (a copy of the body's kind, for counting
 *   without decoding), body (canonical JSON text), checksum (16 hex digits, chained).
 * - `end_marker`: one row written by a clean close: the last seq and its checksum, so a log whose
 *   tail was cut off after it was closed is detected. A log without one was not closed (its writer
 *   crashed, or is still writing) and is valid up to its last committed record.
 */

/** `PRAGMA application_id` of a log: ASCII 'mshv'. Another program's SQLite file is not a log. */
export const LOG_APPLICATION_ID = 0x6d736876;

export const SCHEMA_SQL = `
CREATE TABLE header (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  format_version INTEGER NOT NULL,
  seed TEXT NOT NULL,
  product_version TEXT NOT NULL,
  node_version TEXT NOT NULL,
  created_by TEXT NOT NULL,
  meta TEXT NOT NULL,
  checksum TEXT NOT NULL
) STRICT;
CREATE TABLE records (
  seq INTEGER PRIMARY KEY,
  kind TEXT NOT NULL,
  body TEXT NOT NULL,
  checksum TEXT NOT NULL
) STRICT;
CREATE INDEX records_snapshots ON records (seq) WHERE kind = 'snapshot';
CREATE TABLE end_marker (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  last_seq INTEGER NOT NULL,
  last_checksum TEXT NOT NULL
) STRICT;
${['header', 'records', 'end_marker']
  .flatMap((t) =>
    ['UPDATE', 'DELETE'].map(
      (op) =>
        `CREATE TRIGGER ${t}_no_${op.toLowerCase()} BEFORE ${op} ON ${t} BEGIN SELECT RAISE(ABORT, 'mshv-control log: ${t} is append-only'); END;`,
    ),
  )
  .join('\n')}
`;
