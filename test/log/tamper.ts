import { DatabaseSync } from 'node:sqlite';
import { expect } from 'vitest';
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
