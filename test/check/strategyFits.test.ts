import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkStrategyFits, loadCheckModel } from '../../src/check/loadCheckModel.js';
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

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { out: (l) => out.push(l), err: (l) => err.push(l), isTty: false };
  const code = await runCli(argv, io);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('which strategy runs which crash points (review finding 11: nothing a model asks for is left out silently)', () => {
  it.each(['bfs', 'dfs', 'random'] as const)('crashInside runs under %s', async (strategy) => {
    expect(() => {
      checkStrategyFits(loadCheckModel(json), strategy);
    }).not.toThrow();
    expect((await runCheck({ model: loadCheckModel(json), strategy })).verdict).toBe('clean');
  });

  it('crash points at transitions are refused by random walks only, naming $.crashPoints', () => {
    const model = loadCheckModel({ ...json, crashPoints: 'transitions' });
    checkStrategyFits(model, 'bfs');
    checkStrategyFits(model, 'dfs');
    expect(() => {
      checkStrategyFits(model, 'random');
    }).toThrow(ScenarioError);
    expect(() => {
      checkStrategyFits(model, 'random');
    }).toThrow(/^\$\.crashPoints: a crash after every transition is explored by bfs and dfs/);
  });

  it('check MODEL --strategy random with crashInside runs, and its header says where the crashes fall', async () => {
    const path = join(dir, 'inside-random.json');
    writeFileSync(path, JSON.stringify(json, null, 2));
    const r = await cli('check', path, '--strategy', 'random', '--out', dir);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain(', crashes at random steps, half of them inside intents, strategy random');
    expect(r.out).toMatch(/^verdict: no violation within the bounds$/m);
  });

  it('check MODEL --strategy random with crash points at transitions exits 2, naming the file, line and $.crashPoints', async () => {
    const path = join(dir, 'transitions-random.json');
    writeFileSync(path, JSON.stringify({ ...json, crashPoints: 'transitions' }, null, 2));
    const r = await cli('check', path, '--strategy', 'random', '--out', dir);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/transitions-random\.json:\d+:\d+: \$\.crashPoints: a crash after every transition/);
    expect(r.out).not.toMatch(/verdict/);
  });
});
