import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCheckModel } from '../../src/check/loadCheckModel.js';
import { runCheck } from '../../src/check/runCheck.js';
import type { CliIo } from '../../src/cli/Command.js';
import { runCli } from '../../src/cli/runCli.js';
import { ScenarioError } from '../../src/scenario/ScenarioError.js';

const json = {
  format: 1,
  name: 'inside',
  world: { seed: 1 },
  bounds: { steps: 2 },
  intents: [{ intent: 'createPartition' }],
  crash: true,
  crashInside: true,
};

const dir = mkdtempSync(join(tmpdir(), 'mshv-check-inside-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('crashInside is explored by BFS and DFS: random walks refuse it (review finding 11)', () => {
  it('runCheck with random throws naming $.crashInside', async () => {
    const run = runCheck({ model: loadCheckModel(json), strategy: 'random' });
    await expect(run).rejects.toThrow(ScenarioError);
    await expect(run).rejects.toThrow(
      /^\$\.crashInside: crashes inside intents are explored by bfs and dfs, not random walks/,
    );
  });

  it.each(['bfs', 'dfs'] as const)('%s runs it', async (strategy) => {
    expect((await runCheck({ model: loadCheckModel(json), strategy })).verdict).toBe('clean');
  });

  it('check MODEL --strategy random exits 2, naming the file, line and $.crashInside', async () => {
    const path = join(dir, 'inside-random.json');
    writeFileSync(path, JSON.stringify(json, null, 2));
    const out: string[] = [];
    const err: string[] = [];
    const io: CliIo = { out: (l) => out.push(l), err: (l) => err.push(l), isTty: false };
    const code = await runCli(['check', path, '--strategy', 'random', '--out', dir], io);
    expect(code).toBe(2);
    expect(err.join('\n')).toMatch(
      /inside-random\.json:\d+:\d+: \$\.crashInside: crashes inside intents are explored by bfs and dfs, not random walks/,
    );
    expect(out.join('\n')).not.toMatch(/verdict/);
  });
});
