import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { counterexampleFromJson, counterexampleJson, reproduce } from '../../src/check/Counterexample.js';
import { ALL_INVARIANTS } from '../../src/check/invariants/index.js';
import { loadCheckModel } from '../../src/check/loadCheckModel.js';
import { runCheck } from '../../src/check/runCheck.js';

const guide = readFileSync('docs/guide/check.md', 'utf8');
const json = (path: string): unknown => JSON.parse(readFileSync(path, 'utf8'));

describe('docs/guide/check.md and its example files', () => {
  it('the example model finds the example counterexample, which reproduces', async () => {
    const r = await runCheck({
      model: loadCheckModel(json('docs/check/lost-completion.json')),
      strategy: 'bfs',
    });
    const file = json('docs/check/lost-completion.counterexample.json');
    expect(r.counterexample === undefined ? undefined : counterexampleJson(r.counterexample)).toEqual(file);
    expect(reproduce(counterexampleFromJson(file))?.invariant).toBe('liveness');
  });

  it('documents every invariant in its table', () => {
    for (const i of ALL_INVARIANTS) expect(guide).toMatch(new RegExp(`^\\| \`${i.name}\` +\\|`, 'm'));
  });

  it('every intent of the intents example loads as a model intent, as written', () => {
    const at = guide.indexOf('`intents`: each entry is one of');
    const block = /```json\n([\s\S]*?)```/.exec(guide.slice(at))?.[1] ?? '';
    const intents = block
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as unknown);
    expect(intents).toHaveLength(7);
    const model = loadCheckModel({ format: 1, name: 'guide', world: { seed: 1 }, intents });
    expect(model.intents.map((i) => i.intent)).toEqual([
      'createPartition',
      'partition',
      'vp',
      'guest',
      'signal',
      'signalIrqfd',
      'migrateUserPages',
    ]);
  });

  it('quotes the example counterexample as it is', () => {
    const file = json('docs/check/lost-completion.counterexample.json') as {
      message: string;
      intents: unknown;
    };
    expect(guide).toContain(`"message": "${file.message}"`);
  });
});

describe('docs/check/root-scheduler.json', () => {
  it('loads, runs the root scheduler’s dispatch loop and both irqfd injection paths, and finishes clean within its bounds', async () => {
    const model = loadCheckModel(json('docs/check/root-scheduler.json'));
    expect(model.world.hypervisor).toMatchObject({ scheduler: 'root', dispatchInterruptInjection: true });
    const r = await runCheck({ model, strategy: 'bfs' });
    expect(r.verdict).toBe('clean');
    expect(r.states).toBeGreaterThan(500);
    const dispatches = r.coverage.calls['DISPATCH_VP SUCCESS'] ?? 0;
    expect(dispatches).toBeGreaterThan(0);
    // Irqfd signals take both paths of §c.11: some inject by hypercall, the rest by the register page.
    const signals = r.coverage.intents['writeEventfd → done'] ?? 0;
    const asserted = r.coverage.calls['ASSERT_VIRTUAL_INTERRUPT SUCCESS'] ?? 0;
    expect(asserted).toBeGreaterThan(0);
    expect(signals).toBeGreaterThan(asserted);
  });
});
