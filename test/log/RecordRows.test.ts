import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { describe, expect, it } from 'vitest';
import { LogError } from '../../src/log/LogError.js';
import { openLog } from '../../src/log/LogReader.js';
import { LogWriter } from '../../src/log/LogWriter.js';
import { RecordRows, ROWS_PER_QUERY } from '../../src/log/RecordRows.js';
import { testHeader, useTempDir } from './tempDir.js';

const tempDir = useTempDir();
const PAGE = 4096;
/** More than two queries' worth, so a damaged row falls inside a query, neither first nor last. */
const COUNT = ROWS_PER_QUERY * 3 + 17;

/** A closed log of COUNT small transitions (each row fits in a leaf page: no overflow chains). */
function makeLog(): string {
  const path = join(tempDir(), 'run.log');
  const w = LogWriter.create(path, testHeader, { durability: 'normal' });
  for (let seq = 1; seq <= COUNT; seq += 1) {
    w.append({ kind: 'transition', machine: `vm${seq % 7}`, from: 'idle', event: 'RUN', to: `s${seq}` });
    if (seq % 64 === 0) w.commit();
  }
  w.close();
  return path;
}

/** The seqs one statement over the whole table returns before SQLite fails, and whether it failed. */
function oneStatement(path: string): { seqs: number[]; failed: boolean } {
  const db = new DatabaseSync(path, { readOnly: true });
  const seqs: number[] = [];
  let failed = false;
  try {
    for (const row of db.prepare('SELECT seq FROM records WHERE seq >= 1 ORDER BY seq').iterate())
      seqs.push(row.seq as number);
  } catch {
    failed = true;
  } finally {
    db.close();
  }
  return { seqs, failed };
}

/** A copy of the log whose leaf page holding `seq`'s row has its b-tree header damaged. */
function damageRowPage(original: string, seq: number): string {
  const bytes = Buffer.from(readFileSync(original));
  const at = bytes.indexOf(Buffer.from(`"to":"s${seq}"`));
  expect(at).toBeGreaterThan(0);
  const page = Math.floor(at / PAGE) * PAGE;
  bytes[page] = 0x6b; // not a b-tree page type
  const path = join(original, '..', 'damaged.log');
  writeFileSync(path, bytes);
  return path;
}

describe('RecordRows: the records table read a query of rows at a time', () => {
  it('reads every row in seq order, across query boundaries', () => {
    const db = new DatabaseSync(makeLog(), { readOnly: true });
    const rows = new RecordRows(db, 1);
    const seqs: unknown[] = [];
    for (let r = rows.next(); r !== undefined; r = rows.next()) seqs.push(r[0]);
    rows.close();
    db.close();
    expect(seqs).toEqual(Array.from({ length: COUNT }, (_, i) => i + 1));
  });

  it('starts at the seq asked for, and reads nothing once closed', () => {
    const path = makeLog();
    const db = new DatabaseSync(path, { readOnly: true });
    const rows = new RecordRows(db, ROWS_PER_QUERY + 5);
    expect(rows.next()?.[0]).toBe(ROWS_PER_QUERY + 5);
    rows.close();
    expect(rows.next()).toBeUndefined();
    db.close();
  });

  it('a walk of a log still being written sees the records committed while it reads, in order and chained (one statement would stop at its snapshot)', () => {
    const path = join(tempDir(), 'live.log');
    const w = LogWriter.create(path, testHeader, { durability: 'normal' });
    const append = (from: number, to: number): void => {
      for (let seq = from; seq <= to; seq += 1)
        w.append({ kind: 'transition', machine: 'vm0', from: 'idle', event: 'RUN', to: `s${seq}` });
      w.commit();
    };
    append(1, ROWS_PER_QUERY + 10);
    const log = openLog(path);
    const seqs: number[] = [];
    try {
      for (const { seq } of log.records()) {
        seqs.push(seq);
        // Mid-walk, the writer commits more.
        if (seq === 5) append(ROWS_PER_QUERY + 11, 3 * ROWS_PER_QUERY);
      }
    } finally {
      log.close();
      w.close();
    }
    expect(seqs).toEqual(Array.from({ length: 3 * ROWS_PER_QUERY }, (_, i) => i + 1));
  });

  it('a damaged page inside a query: the rows before it, then the error at its row, as one statement gives them (log review item 6)', () => {
    const original = makeLog();
    const damagedSeq = ROWS_PER_QUERY + ROWS_PER_QUERY / 2;
    const path = damageRowPage(original, damagedSeq);
    const truth = oneStatement(path);
    expect(truth.failed).toBe(true);
    // The page holds rows before the damaged one too: the walk stops at the first of them.
    const lastGood = truth.seqs.at(-1)!;
    expect(lastGood).toBeGreaterThan(ROWS_PER_QUERY);
    expect(lastGood).toBeLessThan(damagedSeq);
    const log = openLog(path);
    const read: number[] = [];
    let error: unknown = null;
    try {
      for (const { seq } of log.records({ verify: false })) read.push(seq);
    } catch (e) {
      error = e;
    } finally {
      log.close();
    }
    expect(read).toEqual(truth.seqs);
    expect(error).toBeInstanceOf(LogError);
    expect(error).toMatchObject({ seq: lastGood + 1, problem: 'storage' });
    expect((error as LogError).message).toContain(`SQLite error reading seq ${lastGood + 1}`);
  });
});
