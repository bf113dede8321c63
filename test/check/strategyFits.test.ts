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

describe('crashInside is explored by BFS only: DFS and random walks refuse it (review finding 11)', () => {
  it.each(['dfs', 'random'] as const)('runCheck with %s throws naming $.crashInside', async (strategy) => {
    const run = runCheck({ model: loadCheckModel(json), strategy });
    await expect(run).rejects.toThrow(ScenarioError);
    await expect(run).rejects.toThrow(/^\$\.crashInside: crashes inside intents are explored by bfs only/);
  });

  it('bfs runs it', async () => {
    expect((await runCheck({ model: loadCheckModel(json), strategy: 'bfs' })).verdict).toBe('clean');
  });

  it.each(['dfs', 'random'] as const)(
    'check MODEL --strategy %s exits 2, naming the file, line and $.crashInside',
    async (strategy) => {
      const path = join(dir, `inside-${strategy}.json`);
      writeFileSync(path, JSON.stringify(json, null, 2));
      const out: string[] = [];
      const err: string[] = [];
      const io: CliIo = { out: (l) => out.push(l), err: (l) => err.push(l), isTty: false };
      const code = await runCli(['check', path, '--strategy', strategy, '--out', dir], io);
      expect(code).toBe(2);
      expect(err.join('\n')).toMatch(
        new RegExp(
          `inside-${strategy}\\.json:\\d+:\\d+: \\$\\.crashInside: crashes inside intents are explored by bfs only, not ${strategy}`,
        ),
      );
      expect(out.join('\n')).not.toMatch(/verdict/);
    },
  );
});
