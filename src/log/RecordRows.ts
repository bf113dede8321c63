import type { DatabaseSync, SQLOutputValue, StatementSync } from 'node:sqlite';

/** Rows one query returns: fewer queries cost less per row (node:sqlite's iterator crosses into C++ per row). */
export const ROWS_PER_QUERY = 256;

/** A row of the records table as read: seq, kind, body, checksum (types unchecked). */
export type RecordRow = readonly SQLOutputValue[];

const COLUMNS = 'SELECT seq, kind, body, checksum FROM records';

/**
 * The rows of the records table from a seq on, in seq order, read ROWS_PER_QUERY at a time (each
 * query starts past the last seq read, so gaps and stray seqs come through as stored). A query
 * that fails (a damaged page inside its rows) is read again row by row from where it began, for the
 * rest of the walk, so the error comes at the row it concerns, after every row before it, as a
 * single walk over the table gives it. Between queries no read transaction is held: a walk of a
 * log that is still being written sees the records committed while it reads (append-only, so every
 * row it returns is one the writer committed), and never pins the writer's WAL.
 *
 * @example
 * const rows = new RecordRows(db, 1);
 * for (let r = rows.next(); r !== undefined; r = rows.next()) console.log(r[0]);
 * rows.close();
 */
export class RecordRows {
  readonly #db: DatabaseSync;
  readonly #batch: StatementSync;
  #rows: RecordRow[] = [];
  #at = 0;
  /** The last seq read: the next query reads past it. */
  #after: number;
  /** The last query returned fewer rows than it asked for: nothing is left after #rows. */
  #last = false;
  /** After a query failed: the rest, one row per step. */
  #single: Iterator<unknown> | null = null;

  /** Rows with seq ≥ `lowest`; throws SQLite's error when the statement cannot be prepared. */
  constructor(db: DatabaseSync, lowest: number) {
    this.#db = db;
    this.#batch = db.prepare(`${COLUMNS} WHERE seq > ? ORDER BY seq LIMIT ${ROWS_PER_QUERY}`);
    this.#batch.setReturnArrays(true);
    this.#after = lowest - 1;
  }

  /** The next row, or undefined after the last; throws SQLite's error where the table cannot be read. */
  next(): RecordRow | undefined {
    if (this.#at < this.#rows.length) return this.#rows[this.#at++];
    if (this.#single !== null) {
      const step = this.#single.next();
      return step.done === true ? undefined : (step.value as RecordRow);
    }
    if (this.#last) return undefined;
    let rows: RecordRow[];
    try {
      rows = this.#batch.all(this.#after) as unknown as RecordRow[];
    } catch {
      const select = this.#db.prepare(`${COLUMNS} WHERE seq > ? ORDER BY seq`);
      select.setReturnArrays(true);
      this.#single = select.iterate(this.#after);
      return this.next();
    }
    this.#rows = rows;
    this.#at = 0;
    const lastSeq = rows[rows.length - 1]?.[0];
    // A seq that is not a number ends the reading here; the caller refuses that row when it reaches it.
    if (rows.length < ROWS_PER_QUERY || typeof lastSeq !== 'number') this.#last = true;
    else this.#after = lastSeq;
    return this.next();
  }

  /** Stop early: a row-by-row statement left open would keep its read transaction (and pin the WAL). */
  close(): void {
    this.#single?.return?.();
    this.#single = null;
    this.#rows = [];
    this.#last = true;
  }
}
