import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkStrategyFits, loadCheckModel } from '../../src/check/loadCheckModel.js';
import { runCheck } from '../../src/check/runCheck.js';
import { ScenarioError } from '../../src/scenario/ScenarioError.js';
import { cli } from '../log/logCli.js';

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
    expect(r.err).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.out[0]).toContain(', crashes at random steps, half of them inside intents, strategy random');
    expect(r.out).toContain('verdict: no violation within the bounds');
  });

  it('check MODEL --strategy random with crash points at transitions exits 2, naming the file, line and $.crashPoints', async () => {
    const path = join(dir, 'transitions-random.json');
    writeFileSync(path, JSON.stringify({ ...json, crashPoints: 'transitions' }, null, 2));
    const r = await cli('check', path, '--strategy', 'random', '--out', dir);
    expect(r.code).toBe(2);
    expect(r.err.join('\n')).toMatch(
      /transitions-random\.json:\d+:\d+: \$\.crashPoints: a crash after every transition/,
    );
    expect(r.out.join('\n')).not.toMatch(/verdict/);
  });
});
