import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportLines } from '../../src/log/exportLog.js';
import { openLog } from '../../src/log/LogReader.js';
import { formatRecoverReport } from '../../src/replay/formatRecoverReport.js';
import { recoverLog } from '../../src/replay/recoverRecords.js';
import { logFileHashes } from '../log/tempDir.js';
import { transpileForChild } from '../log/transpileForChild.js';
import { killAtReport } from '../log/killAtReport.js';

const CHILD = resolve(import.meta.dirname, 'fixtures/crashPlaneChild.ts');

type Mode = 'committed' | 'free';

/**
 * Kill points of a long ControlPlane run (issue 5, "Done when": a long run killed with SIGKILL
 * leaves a log that exports and that `recover` reconciles). `committed K` dies right after its K-th
 * commit (one operation each); `free K` is told to go on after commit K, so the kill lands wherever
 * it is, often inside a commit. Every boot of a partition is about 25 commits, so the points fall
 * in every phase: creation, mapping, eventfds, VP creation, runs, pause and resume, teardown.
 */
const KILL_POINTS: readonly (readonly [Mode, number])[] = [
  ['committed', 1],
  ['committed', 2],
  ['committed', 3],
  ['committed', 7],
  ['committed', 12],
  ['committed', 19],
  ['committed', 26],
  ['committed', 33],
  ['committed', 48],
  ['committed', 61],
  ['committed', 95],
  ['committed', 140],
  ['free', 5],
  ['free', 30],
  ['free', 70],
  ['free', 120],
  ['free', 200],
];

let work = '';
let moduleRoot = '';

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'mshv-recover-crash-'));
  moduleRoot = join(work, 'modules');
  transpileForChild(
    [
      'src/log/LogWriter.ts',
      'src/replay/openLoggedPlane.ts',
      'src/replay/RunMeta.ts',
      'test/replay/planeSession.ts',
    ],
    moduleRoot,
  );
  // The transpiled modules import xstate and rxjs by name: resolve them from this checkout.
  symlinkSync(resolve(import.meta.dirname, '../../node_modules'), join(moduleRoot, 'node_modules'), 'dir');
});

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

/** Run the child to its kill point, SIGKILL it there; resolves to the seq it reported committed. */
function runAndKill(log: string, mode: Mode, k: number, durability: 'full' | 'normal'): Promise<number> {
  return killAtReport(CHILD, [moduleRoot, log, mode, String(k), durability], ['committed', 'go']);
}

describe('recover after SIGKILL: a long ControlPlane run killed at 17 points', () => {
  it.each(KILL_POINTS.map(([mode, k], i) => [mode, k, i % 2 === 0 ? 'full' : 'normal'] as const))(
    'killed %s at commit %i (synchronous=%s): the log exports, recover lists and reconciles it, nothing is written',
    async (mode, k, durability) => {
      const log = join(work, `${mode}-${k}.log`);
      const reported = await runAndKill(log, mode, k, durability);
      const before = logFileHashes(log);
      const reader = openLog(log);
      const verdict = reader.verify();
      expect(verdict.error).toBeNull();
      expect(verdict.closed).toBe(false);
      if (mode === 'committed') expect(verdict.lastGoodSeq).toBe(reported);
      else expect(verdict.lastGoodSeq).toBeGreaterThanOrEqual(reported);
      expect([...exportLines(reader)]).toHaveLength(verdict.lastGoodSeq + 1);
      reader.close();

      const listed = recoverLog(log, { dryRun: true });
      expect(listed.status, formatRecoverReport(listed).join('\n')).toBe('listed');
      expect(listed.replay).toMatchObject({ status: 'identical', lastSeq: verdict.lastGoodSeq });
      const report = recoverLog(log);
      expect(report.status, formatRecoverReport(report).join('\n')).toBe('reconciled');
      expect(report.live).toEqual(listed.live);
      expect(report.audit).toMatchObject({
        clean: true,
        leakedPages: 0,
        liveChildPartitions: 0,
        pinnedPages: 0,
      });
      // Every live partition fd, VP fd and eventfd was closed, each once, without an error.
      const live = report.live!;
      const expectedCloses =
        live.partitions.reduce((n, p) => n + (p.fdOpen ? 1 : 0) + p.vps.length, 0) + live.eventfds.length;
      expect(report.teardown).toHaveLength(expectedCloses);
      expect(report.teardown.every((t) => t.result === 'ok')).toBe(true);
      // After the first commit something is live: the partition created by the first operation.
      if (mode === 'committed' && k === 1) expect(live.partitions.map((p) => p.name)).toEqual(['vm0']);
      if (verdict.lastGoodSeq > 60) expect(live.partitions.length).toBeGreaterThan(0);
      // Recovery read the log without writing it or its -wal.
      const after = logFileHashes(log);
      expect(after.log).toBe(before.log);
      expect(after['log-wal']).toBe(before['log-wal']);
    },
  );
});
