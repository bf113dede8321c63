import { DatabaseSync } from 'node:sqlite';
import { expect } from 'vitest';
import { recordChecksum } from '../../src/log/checksum.js';
import { LogError } from '../../src/log/LogError.js';
import { openLog } from '../../src/log/LogReader.js';

/** Change a log the way a careless tool would: through SQLite, its append-only triggers dropped. */
export function tamper(path: string, sql: string, ...params: (string | number)[]): void {
  const db = new DatabaseSync(path);
  for (const t of ['header', 'records', 'end_marker'])
    for (const op of ['update', 'delete']) db.exec(`DROP TRIGGER IF EXISTS ${t}_no_${op}`);
  db.prepare(sql).run(...params);
  db.close();
}

/** The LogError opening `path` throws (fails the test when it opens). */
export function openError(path: string): LogError {
  try {
    openLog(path).close();
  } catch (e) {
    expect(e).toBeInstanceOf(LogError);
    return e as LogError;
  }
  throw new Error('openLog succeeded');
}

/**
 * Rewrite record `seq`'s body with `edit` and recompute every checksum from it on, the end marker's
 * too: what a tool that "fixes" the checksums after an edit leaves. Returns the new body.
 */
export function editBody(path: string, seq: number, edit: (body: string) => string): string {
  const db = new DatabaseSync(path);
  try {
    for (const t of ['records', 'end_marker']) db.exec(`DROP TRIGGER IF EXISTS ${t}_no_update`);
    const before = db.prepare('SELECT checksum FROM records WHERE seq = ?').get(seq - 1)?.checksum;
    let prev = String(before ?? db.prepare('SELECT checksum FROM header').get()?.checksum);
    let edited = '';
    for (const row of db.prepare('SELECT seq, body FROM records WHERE seq >= ? ORDER BY seq').all(seq)) {
      const s = Number(row.seq);
      const body = s === seq ? edit(String(row.body)) : String(row.body);
      if (s === seq) edited = body;
      prev = recordChecksum(prev, s, body) ?? '';
      db.prepare('UPDATE records SET body = ?, checksum = ? WHERE seq = ?').run(body, prev, s);
    }
    db.prepare('UPDATE end_marker SET last_checksum = ?').run(prev);
    return edited;
  } finally {
    db.close();
  }
}
