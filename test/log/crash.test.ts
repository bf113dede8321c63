import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportLines } from '../../src/log/exportLog.js';
import { openLog } from '../../src/log/LogReader.js';
import { crashCommitBoundaries, crashRecord } from './sampleRecords.js';
import { logFileHashes } from './tempDir.js';
import { transpileForChild } from './transpileForChild.js';
import { killAtReport } from './killAtReport.js';

const CHILD = resolve(import.meta.dirname, 'fixtures/crashChild.ts');

type Mode = 'pending' | 'committed' | 'free' | 'bigop';

/**
 * Kill points (issue 5, "Crash consistency": killed at any instant, readable up to the last
 * commit). `pending K` dies holding an uncommitted batch (K mid-operation or at its start: the
 * operations are 1-6 records, every ninth 150); `committed K` right after a commit; `free K`
 * while it keeps writing, so the kill lands wherever it is, often inside a commit's writes.
 * Operation sizes (crashOpSize): 1-6 records, every ninth 150 (seqs 22..171 are the first big one).
 */
const KILL_POINTS: readonly (readonly [Mode, number])[] = [
  ['pending', 1],
  ['pending', 2],
  ['pending', 5],
  ['pending', 13],
  ['pending', 22],
  ['pending', 100],
  ['pending', 171],
  ['pending', 172],
  ['pending', 300],
  ['pending', 451],
  // One operation of 9,000 records: most already sit in SQLite's open transaction (PENDING_RECORDS_MAX).
  ['bigop', 9000],
  ['committed', 0],
  ['committed', 1],
  ['committed', 60],
  ['committed', 200],
  ['committed', 310],
  ['free', 0],
  ['free', 10],
  ['free', 50],
  ['free', 100],
  ['free', 150],
  ['free', 200],
  ['free', 300],
  ['free', 400],
  ['free', 600],
  ['free', 800],
];

let work = '';
let moduleRoot = '';

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'mshv-crash-'));
  moduleRoot = join(work, 'modules');
  transpileForChild(['src/log/LogWriter.ts', 'test/log/sampleRecords.ts'], moduleRoot);
});

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

/** Run the child to its kill point, SIGKILL it there; resolves to the seq it reported committed. */
function runAndKill(log: string, mode: Mode, k: number, durability: 'full' | 'normal'): Promise<number> {
  return killAtReport(CHILD, [moduleRoot, log, mode, String(k), durability], ['pending', 'committed', 'go']);
}

describe('crash consistency: SIGKILL at 25 points leaves a log readable to its last commit', () => {
  const boundaries = crashCommitBoundaries(5_000_000);

  it.each(KILL_POINTS.map(([mode, k], i) => [mode, k, i % 2 === 0 ? 'full' : 'normal'] as const))(
    'killed %s at %i (synchronous=%s)',
    async (mode, k, durability) => {
      const log = join(work, `${mode}-${k}.log`);
      const reported = await runAndKill(log, mode, k, durability);
      const before = logFileHashes(log);
      const reader = openLog(log);
      const verdict = reader.verify();
      expect(verdict.error).toBeNull();
      expect(verdict.closed).toBe(false);
      const last = verdict.lastGoodSeq;
      // Exactly the committed operations: the open batch is not visible, no operation is split.
      if (mode === 'free') expect(last).toBeGreaterThanOrEqual(reported);
      else expect(last).toBe(reported);
      // A big operation's child commits one record first, then dies inside the big one.
      expect(mode === 'bigop' ? last === 1 : boundaries.has(last)).toBe(true);
      if (mode === 'pending') expect(last).toBeLessThan(k);
      let seq = 0;
      for (const r of reader.records()) {
        seq += 1;
        expect(r.seq).toBe(seq);
        expect(r.record).toEqual(crashRecord(seq));
      }
      expect(seq).toBe(last);
      expect([...exportLines(reader)]).toHaveLength(last + 1); // header + records, no end line
      reader.close();
      // Reading recovered the WAL without writing the log or its -wal.
      const after = logFileHashes(log);
      expect(after.log).toBe(before.log);
      expect(after['log-wal']).toBe(before['log-wal']);
    },
  );
});
