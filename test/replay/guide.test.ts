import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { guideSource } from '../docs/guideSource.js';
import { describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/Command.js';
import { runCli } from '../../src/cli/runCli.js';
// From the package root, as a user imports them: the guide's examples must compile against it.
import {
  formatRecoverReport,
  LogWriter,
  makeHeader,
  MemorySink,
  openLoggedPlane,
  planeRunMeta,
  readScenarioFile,
  recoverRecords,
  replayLog,
  replayRecords,
  runHeader,
  runScenarioLogged,
  scenarioRunMeta,
} from '../../src/index.js';
import { useTempDir } from '../log/tempDir.js';
import { bootPartition, planeWorld } from './planeSession.js';

/**
 * The examples of docs/guide/replay.md. Each code block there marked `<!-- from
 * test/replay/guide.test.ts#NAME -->` is the region NAME of this file, and each output block marked
 * `<!-- output: NAME -->` is what the test NAME prints: both are checked here, so the guide cannot
 * drift from the code.
 */
const GUIDE = 'docs/guide/replay.md';
const tempDir = useTempDir();

async function cli(...argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { out: (l) => out.push(l), err: (l) => err.push(l), isTty: false };
  return { code: await runCli(argv, io), out, err };
}

const { guideBlock, region } = guideSource(GUIDE, 'test/replay/guide.test.ts');

/** Paths in outputs vary per run: the guide writes them as `run.log` (and `edited.log`). */
function portable(lines: readonly string[], dir: string): string {
  return `${lines.map((l) => l.replaceAll(`${dir}/`, '')).join('\n')}\n`;
}

describe('docs/guide/replay.md: code examples are this file’s regions, outputs are these tests’', () => {
  it.each(['log-a-scenario', 'log-a-plane', 'replay-and-recover-in-memory'])('region %s', (name) => {
    expect(guideBlock(`<!-- from test/replay/guide.test.ts#${name} -->`)).toBe(region(name));
  });

  it('log-a-scenario: a scenario run logged through the library replays identically', async () => {
    const dir = tempDir();
    const path = join(dir, 'run.log');
    // #region log-a-scenario
    const scenario = await readScenarioFile('docs/scenarios/vp-lifecycle.json');
    const meta = scenarioRunMeta(scenario, { snapshotEvery: 64 });
    const writer = LogWriter.create(path, runHeader(meta, 'my-tool'), { durability: 'full' });
    const { report } = runScenarioLogged(scenario, writer, { snapshotEvery: 64 });
    writer.close();
    const verdict = replayLog(path); // { status: 'identical', lastSeq: ..., ... }
    // #endregion
    expect(report.failed).toBeUndefined();
    expect(verdict.status).toBe('identical');
  });

  it('log-a-plane: a ControlPlane session logged through openLoggedPlane replays identically', () => {
    const dir = tempDir();
    const path = join(dir, 'plane.log');
    const world = planeWorld('core-smt', 3, 1);
    // #region log-a-plane
    const options = { snapshotEvery: 256 };
    const writer = LogWriter.create(path, runHeader(planeRunMeta(world, options), 'my-vmm'));
    const { plane } = openLoggedPlane(world, writer, options);
    plane.createPartition('vm0', { ptFlags: 0n, ptIsolation: 0n });
    plane.partition('vm0', { type: 'INITIALIZE' });
    plane.partition('vm0', { type: 'CLOSE' });
    writer.close();
    // #endregion
    expect(replayLog(path)).toMatchObject({ status: 'identical', vocabulary: 'control-plane' });
  });

  it('replay-and-recover-in-memory: what a model checker does at a crash point', () => {
    const world = planeWorld('core-smt', 3, 1);
    const options = { snapshotEvery: 0 };
    const sink = new MemorySink();
    const { plane } = openLoggedPlane(world, sink, options);
    bootPartition(plane, 'vm0', 0, 2);
    // #region replay-and-recover-in-memory
    const header = makeHeader(runHeader(planeRunMeta(world, options), 'checker'));
    const crashAt = sink.commits[5] ?? 0; // a commit boundary: where a crash can leave a log
    const replayed = replayRecords(header, sink.records.slice(0, crashAt), { closed: false });
    const recovered = recoverRecords(header, sink.records.slice(0, crashAt));
    const clean = recovered.status === 'reconciled'; // rebuilt, torn down, audit clean
    // #endregion
    expect(replayed).toMatchObject({ status: 'identical', lastSeq: crashAt });
    expect(clean).toBe(true);
    expect(formatRecoverReport(recovered).join('\n')).toMatch(/audit: clean/);
  });

  it('output: run-log, replay, replay-from-snapshot', async () => {
    const dir = tempDir();
    const log = join(dir, 'run.log');
    const run = await cli('run', 'docs/scenarios/boot-4k.json', '--log', log, '--snapshot-every', '512');
    expect(run.code).toBe(0);
    expect(
      portable(
        run.out.filter((l) => l.startsWith('log: ')),
        dir,
      ),
    ).toBe(guideBlock('<!-- output: run-log -->'));
    const replay = await cli('replay', log);
    expect(portable(replay.out, dir)).toBe(guideBlock('<!-- output: replay -->'));
    const fromSnapshot = await cli('replay', log, '--from-snapshot');
    expect(portable(fromSnapshot.out, dir)).toBe(guideBlock('<!-- output: replay-from-snapshot -->'));
  });

  it('output: replay-edited (one hypercall status changed, imported with --recompute-checksums)', async () => {
    const dir = tempDir();
    const log = join(dir, 'plain.log');
    expect((await cli('run', 'docs/scenarios/boot-4k.json', '--log', log)).code).toBe(0);
    const lines = (await cli('log', 'export', log)).out;
    // The third MAP_GPA_PAGES call: its status word becomes ACCESS_DENIED (0x0006), reps 0.
    const maps = lines.flatMap((l, i) => (l.includes('"name":"MAP_GPA_PAGES"') ? [i] : []));
    const at = maps[2]!;
    lines[at] = lines[at]!.replace(/"status":"0x[0-9a-f]{16}"/, '"status":"0x0000000000000006"');
    writeFileSync(join(dir, 'edited.jsonl'), `${lines.join('\n')}\n`);
    const imported = await cli(
      'log',
      'import',
      join(dir, 'edited.jsonl'),
      join(dir, 'edited.log'),
      '--recompute-checksums',
    );
    expect(imported.code).toBe(0);
    const replay = await cli('replay', join(dir, 'edited.log'));
    expect(replay.code).toBe(1);
    expect(portable([...imported.err, ...replay.err], dir)).toBe(
      guideBlock('<!-- output: replay-edited -->'),
    );
  });

  it('output: recover (a ControlPlane log whose writer died after vm0 was booted and VP 1 went to sleep)', async () => {
    const dir = tempDir();
    const log = join(dir, 'crashed.log');
    const world = planeWorld('core-smt', 41, 1);
    const writer = LogWriter.create(log, runHeader(planeRunMeta(world, { snapshotEvery: 0 }), 'guide'));
    const { plane } = openLoggedPlane(world, writer, { snapshotEvery: 0 });
    bootPartition(plane, 'vm0', 0, 2);
    plane.vp('vm0', 1, { type: 'RUN' });
    writer.commit(); // ... and no close: the log is left as a crash leaves it (no end marker)
    const dry = await cli('recover', log, '--dry-run');
    expect(dry.code).toBe(0);
    expect(portable(dry.out, dir)).toBe(guideBlock('<!-- output: recover-dry-run -->'));
    const full = await cli('recover', log);
    expect(full.code).toBe(0);
    expect(portable(full.out.slice(-4), dir)).toBe(guideBlock('<!-- output: recover -->'));
  });
});
