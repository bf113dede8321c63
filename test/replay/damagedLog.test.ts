import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { beforeAll, describe, expect, it } from 'vitest';
import { CliError } from '../../src/cli/CliError.js';
import type { CliIo, Command } from '../../src/cli/Command.js';
import { recoverCommand } from '../../src/cli/commands/recover.js';
import { replayCommand } from '../../src/cli/commands/replay.js';
import { openLog } from '../../src/log/LogReader.js';
import { LogWriter } from '../../src/log/LogWriter.js';
import { formatRecoverReport } from '../../src/replay/formatRecoverReport.js';
import { recoverLog } from '../../src/replay/recoverRecords.js';
import { replayLog } from '../../src/replay/replayLog.js';
import { runHeader } from '../../src/replay/RunMeta.js';
import { runScenarioLogged, scenarioRunMeta } from '../../src/replay/runScenarioLogged.js';
import type { Scenario } from '../../src/scenario/Scenario.js';
import { readScenarioFile } from '../../src/scenario/readScenarioFile.js';
import { fileHash, useTempDir } from '../log/tempDir.js';
import { editBody, tamper } from '../log/tamper.js';

const tempDir = useTempDir();
const SNAPSHOT_EVERY = 32;
let scenario: Scenario;

beforeAll(async () => {
  scenario = await readScenarioFile('docs/scenarios/vp-lifecycle.json');
});

/** A closed, replayable scenario log with snapshots (vp-lifecycle: 124 records and more). */
function makeLog(name = 'run.log'): string {
  const path = join(tempDir(), name);
  const meta = scenarioRunMeta(scenario, { snapshotEvery: SNAPSHOT_EVERY });
  const writer = LogWriter.create(path, runHeader(meta, 'test/replay'));
  runScenarioLogged(scenario, writer, { snapshotEvery: SNAPSHOT_EVERY });
  writer.close();
  return path;
}

function query(path: string, sql: string, ...params: (string | number)[]): Record<string, unknown>[] {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    return db.prepare(sql).all(...params);
  } finally {
    db.close();
  }
}

/** The first seq of kind `kind` whose next record's kind is `next`. */
function seqBefore(path: string, kind: string, next: string): number {
  const row = query(
    path,
    'SELECT a.seq AS seq FROM records a JOIN records b ON b.seq = a.seq + 1 WHERE a.kind = ? AND b.kind = ? ORDER BY a.seq LIMIT 1',
    kind,
    next,
  )[0];
  if (typeof row?.seq !== 'number') throw new Error(`no ${kind} before a ${next}`);
  return row.seq;
}

async function runCommand(
  command: Command,
  ...args: string[]
): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { out: (l) => out.push(l), err: (l) => err.push(l), isTty: false };
  try {
    return { code: await command.run(args, io), out, err };
  } catch (e) {
    if (!(e instanceof CliError)) throw e;
    return { code: e.exitCode, out, err: [...err, e.message] };
  }
}

describe('replay and recover on a damaged log: a verdict naming the record, never a stack trace (review items 3-5, 10)', () => {
  it('a malformed end marker: damaged, from replay and recover alike; closed or not is not claimed', async () => {
    const path = makeLog();
    tamper(path, "UPDATE end_marker SET last_checksum = 'xyz'");
    const before = fileHash(path);
    expect(replayLog(path)).toMatchObject({ status: 'damaged' });
    expect(replayLog(path, { from: 'snapshot' })).toMatchObject({ status: 'damaged' });
    const report = recoverLog(path, { dryRun: true });
    expect(report).toMatchObject({ status: 'damaged', closed: null });
    const lines = formatRecoverReport(report);
    expect(lines.join('\n')).toContain('end marker: malformed row');
    expect(lines.some((l) => l.startsWith('log:'))).toBe(false);
    expect((await runCommand(replayCommand, path)).code).toBe(1);
    expect((await runCommand(recoverCommand, path, '--dry-run')).code).toBe(1);
    expect(fileHash(path)).toBe(before);
  });

  it('an end marker whose page is damaged: damaged, not a raw SQLite error', () => {
    const path = makeLog();
    const root = query(path, "SELECT rootpage FROM sqlite_schema WHERE name = 'end_marker'")[0]!
      .rootpage as number;
    const bytes = readFileSync(path);
    const page = (root - 1) * 4096;
    bytes[page] = 0x6b; // not a b-tree page type
    writeFileSync(path, bytes);
    expect(() => replayLog(path)).not.toThrow();
    expect(replayLog(path)).toMatchObject({ status: 'damaged' });
    expect(recoverLog(path, { dryRun: true })).toMatchObject({ status: 'damaged', closed: null });
  });

  it('a zeroed checksum of a hypercall (its body intact): damaged at that seq, not "identical"', () => {
    const path = makeLog();
    const seq = seqBefore(path, 'hypercall', 'result');
    tamper(path, "UPDATE records SET checksum = '0000000000000000' WHERE seq = ?", seq);
    expect(replayLog(path)).toMatchObject({ status: 'damaged', seq });
    expect(recoverLog(path, { dryRun: true })).toMatchObject({ status: 'damaged', closed: true });
    expect(replayLog(path, { checksums: 'all' })).toMatchObject({ status: 'damaged', seq });
  });

  it('a zeroed checksum of the record right before an intent: blamed on that record, not on the intent', () => {
    const path = makeLog();
    const seq = seqBefore(path, 'result', 'intent');
    tamper(path, "UPDATE records SET checksum = '0000000000000000' WHERE seq = ?", seq);
    const v = replayLog(path);
    expect(v).toMatchObject({ status: 'damaged', seq });
    expect(v.status === 'damaged' ? v.message : '').toContain(`seq ${seq}: checksum mismatch`);
  });

  it('--from-snapshot on a log damaged before the snapshot: the verdict says the prefix was not read (review item 4)', async () => {
    const path = makeLog();
    const snap = query(path, "SELECT max(seq) AS seq FROM records WHERE kind = 'snapshot'")[0]!.seq as number;
    expect(snap).toBeGreaterThan(12);
    tamper(path, 'UPDATE records SET body = replace(body, \'"v":1\', \'"v":1 \') WHERE seq = 10');
    expect(replayLog(path)).toMatchObject({ status: 'damaged', seq: 10 });
    const fast = replayLog(path, { from: 'snapshot' });
    expect(fast).toMatchObject({ status: 'identical', fromSeq: snap + 1 });
    const note = `seq 1..${snap - 1}, before the snapshot, were not read or verified`;
    expect(fast.status === 'identical' ? fast.note : '').toContain(note);
    const cli = await runCommand(replayCommand, path, '--from-snapshot');
    expect(cli.code).toBe(0);
    expect(cli.out.join('\n')).toContain(note);
    const recover = await runCommand(recoverCommand, path, '--dry-run', '--from-snapshot');
    expect(recover.out.join('\n')).toContain(note);
    // A replay from the start reads everything: no such note.
    const clean = makeLog('clean.log');
    const full = replayLog(clean);
    expect(full.status === 'identical' ? (full.note ?? '') : 'not identical').not.toContain('not read');
  });

  it('recover on a log it cannot open does not say "not closed" (review item 10)', () => {
    const path = makeLog();
    tamper(path, "UPDATE header SET checksum = '0000000000000000'");
    const report = recoverLog(path, { dryRun: true });
    expect(report).toMatchObject({ status: 'damaged', closed: null });
    expect(formatRecoverReport(report).join('\n')).not.toContain('not closed');
  });

  it('the CLI names the path once, and a log of another format version is bad input (exit 2) (CLI review item 12)', async () => {
    const dir = tempDir();
    const missing = join(dir, 'nosuch.log');
    for (const command of [replayCommand, recoverCommand]) {
      const r = await runCommand(command, missing);
      expect(r.code).toBe(2);
      expect(r.err.join('\n').split(missing)).toHaveLength(2);
    }
    const path = makeLog();
    const v2 = join(dir, 'v2.log');
    copyFileSync(path, v2);
    tamper(v2, 'UPDATE header SET format_version = 2');
    for (const [command, args] of [
      [replayCommand, [v2]],
      [recoverCommand, [v2, '--dry-run']],
    ] as const) {
      const r = await runCommand(command, ...args);
      expect(r.code, r.err.join('\n')).toBe(2);
      expect(r.err.join('\n')).toContain('format version 2 is not supported');
      expect(r.err.join('\n').split(v2)).toHaveLength(2);
    }
    expect(openLog(path).verify().ok).toBe(true);
  });

  it('an option given twice is refused, not silently overridden (CLI review item 12)', async () => {
    const path = makeLog();
    for (const args of [
      ['--from-snapshot=5', '--from-snapshot'],
      ['--no-cross-check', '--no-cross-check'],
    ]) {
      const r = await runCommand(replayCommand, path, ...args);
      expect(r.code).toBe(2);
      expect(r.err[0]).toMatch(/--(from-snapshot|no-cross-check) given more than once/);
    }
    const r = await runCommand(recoverCommand, path, '--dry-run', '--dry-run');
    expect(r.code).toBe(2);
    expect(r.err[0]).toMatch(/--dry-run given more than once/);
  });
});

describe('a body with the same values in other text (checksums recomputed) is an edit for replay and recover too (log review item 4)', () => {
  function firstSeq(path: string, kind: string): number {
    const row = query(path, 'SELECT min(seq) AS seq FROM records WHERE kind = ?', kind)[0];
    if (typeof row?.seq !== 'number') throw new Error(`no ${kind}`);
    return row.seq;
  }

  it.each([
    ['hypercall', (b: string) => b.replace('"kind":"hypercall"', '"kind":"hyp\\u0065rcall"')],
    ['hypercall', (b: string) => ` ${b}`],
    // The answer is read from the text by position without looking at the name: the comparison of
    // the whole body with the re-run's finds the edit.
    ['hypercall', (b: string) => b.replace('"name":', '"name": ')],
    ['intent', (b: string) => b.replace('"kind":', '"kind": ')],
    // Compared as text with the re-run's canonical body, decoded only when it differs: then too.
    ['operation', (b: string) => ` ${b}`],
  ])('a %s: damaged, naming its seq, as log info says', (kind, edit) => {
    const path = makeLog();
    const seq = firstSeq(path, kind);
    editBody(path, seq, edit);
    const log = openLog(path);
    const verdict = log.verify();
    log.close();
    expect(verdict.error).toMatchObject({ seq, problem: 'undecodable' });
    const replay = replayLog(path);
    expect(replay).toMatchObject({ status: 'damaged', seq });
    expect(replay.status === 'damaged' ? replay.message : '').toContain(
      `seq ${seq}: ${kind}: body is not canonical JSON: the log was edited`,
    );
    expect(recoverLog(path)).toMatchObject({ status: 'damaged', replay: { status: 'damaged', seq } });
  });
});
