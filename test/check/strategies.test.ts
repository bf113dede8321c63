import { describe, expect, it } from 'vitest';
import { DEFAULT_MODEL_JSON } from '../../src/check/defaultModel.js';
import { loadCheckModel } from '../../src/check/loadCheckModel.js';
import { runCheck, type Strategy } from '../../src/check/runCheck.js';
import { HvStatus } from '../../src/hv/HvStatus.js';

/** The default model with fewer steps (and walks), so each strategy finishes in a few seconds. */
function small(steps: number, extra: Record<string, unknown> = {}): ReturnType<typeof loadCheckModel> {
  return loadCheckModel({
    ...DEFAULT_MODEL_JSON,
    bounds: { ...DEFAULT_MODEL_JSON.bounds, steps },
    random: { ...DEFAULT_MODEL_JSON.random, walks: 60 },
    dfs: { splitDepth: 2 },
    ...extra,
  });
}

/**
 * A hypervisor that never completes the first asynchronous SET_PARTITION_PROPERTY (a planned
 * CALL_PENDING runs nothing and posts no completion): the driver's bounded wait gives up by
 * throwing, which the liveness invariant reports on the shipped stack.
 */
const lostCompletion = small(4, {
  world: {
    ...DEFAULT_MODEL_JSON.world,
    hypervisor: {
      ...DEFAULT_MODEL_JSON.world.hypervisor,
      faults: [{ call: 'SET_PARTITION_PROPERTY', nth: 1, status: 'CALL_PENDING' }],
    },
  },
});

describe('strategies on the shipped stack', () => {
  for (const strategy of ['bfs', 'dfs', 'random'] as const satisfies readonly Strategy[]) {
    it(`${strategy}: no violation within small bounds, with coverage`, async () => {
      const r = await runCheck({ model: small(5), strategy });
      expect(r.verdict).toBe('clean');
      expect(r.states).toBeGreaterThan(10);
      expect(r.transitions).toBeGreaterThan(r.states);
      expect(Object.keys(r.coverage.calls).length).toBeGreaterThan(5);
      expect(r.coverage.invariants.conservation).toBeGreaterThan(0);
    });
  }

  it('bfs finds the lost completion with a 2-step counterexample', async () => {
    const r = await runCheck({ model: lostCompletion, strategy: 'bfs' });
    expect(r.verdict).toBe('violation');
    expect(r.counterexample?.invariant).toBe('liveness');
    expect(r.counterexample?.message).toContain('would wait forever');
    expect(r.counterexample?.intents.map((i) => i.name)).toEqual(['createPartition', 'partition']);
    expect(r.reproduced).toBe(true);
  });

  it('the state budget bounds exploration deterministically', async () => {
    const model = loadCheckModel({
      ...DEFAULT_MODEL_JSON,
      bounds: { ...DEFAULT_MODEL_JSON.bounds, states: 40 },
    });
    const a = await runCheck({ model, strategy: 'bfs' });
    const b = await runCheck({ model, strategy: 'bfs' });
    expect(a.verdict).toBe('bounded');
    expect(a.states).toBe(40);
    expect({ states: b.states, transitions: b.transitions }).toEqual({
      states: a.states,
      transitions: a.transitions,
    });
  });

  it('the time limit reads only the injected clock', async () => {
    let t = 0;
    const r = await runCheck({
      model: small(8),
      strategy: 'bfs',
      now: () => (t += 1000),
      timeLimitMs: 5_000,
    });
    expect(r.verdict).toBe('bounded');
  });

  it('a depth-first task stops when the time is up, not only the hand-out of further tasks', async () => {
    // Each clock read is 1 ms: the limit falls inside the first task, which alone would run to its
    // share of the state budget (thousands of states on this model).
    const model = loadCheckModel({
      ...DEFAULT_MODEL_JSON,
      bounds: { ...DEFAULT_MODEL_JSON.bounds, states: 20_000 },
    });
    let t = 0;
    const cut = await runCheck({ model, strategy: 'dfs', now: () => (t += 1), timeLimitMs: 300 });
    expect(cut.verdict).toBe('bounded');
    expect(cut.states).toBeLessThan(400);
    expect(cut.elapsedMs).toBeLessThan(1_000);
  });
});

describe('worker threads give the same verdicts and counts as one thread', () => {
  for (const strategy of ['bfs', 'dfs', 'random'] as const satisfies readonly Strategy[]) {
    it(`${strategy}: 1 and 2 workers agree`, async () => {
      const model = small(4);
      const one = await runCheck({ model, strategy, workers: 1 });
      const two = await runCheck({ model, strategy, workers: 2 });
      const key = (r: typeof one): unknown => ({
        verdict: r.verdict,
        states: r.states,
        transitions: r.transitions,
        depth: r.depth,
        coverage: r.coverage,
      });
      expect(key(two)).toEqual(key(one));
    });
  }

  it('random with crashes inside intents: 1 and 2 workers agree (a walk rebuilds its world in its own thread)', async () => {
    const model = { ...small(4), crash: true, crashInside: true };
    const one = await runCheck({ model, strategy: 'random', workers: 1 });
    const two = await runCheck({ model, strategy: 'random', workers: 2 });
    expect(Object.keys(one.coverage.intents).some((k) => k.startsWith('crash inside '))).toBe(true);
    // Without an injected clock elapsedMs is 0, so the whole result is compared.
    expect(two).toEqual(one);
  });

  it('bfs: the same counterexample with 1 and 2 workers', async () => {
    const one = await runCheck({ model: lostCompletion, strategy: 'bfs', workers: 1 });
    const two = await runCheck({ model: lostCompletion, strategy: 'bfs', workers: 2 });
    expect(two.counterexample).toEqual(one.counterexample);
  });
});

describe('random walks with the hypervisor’s own random faults', () => {
  it('run on the default model, whose fault choices include a late completion (CALL_PENDING, never a random fault)', async () => {
    const model = small(6, {
      random: { ...DEFAULT_MODEL_JSON.random, walks: 40, machineFaultRateMax: 0.05 },
    });
    expect(model.faults.some((f) => f.status === HvStatus.CALL_PENDING)).toBe(true);
    const r = await runCheck({ model, strategy: 'random', seed: 11 });
    expect(['clean', 'violation']).toContain(r.verdict);
    expect(r.transitions).toBeGreaterThan(40);
    // The faults fired: the same walks without them never see some of the statuses these saw.
    const calm = small(6, { random: { ...DEFAULT_MODEL_JSON.random, walks: 40, machineFaultRateMax: 0 } });
    const plain = await runCheck({ model: calm, strategy: 'random', seed: 11 });
    const only = Object.keys(r.coverage.calls).filter((k) => !(k in plain.coverage.calls));
    expect(only.length).toBeGreaterThan(0);
    expect(only.every((k) => !k.endsWith(' SUCCESS'))).toBe(true);
    // A violation they lead to is handed back as a counterexample that replays.
    if (r.verdict === 'violation') expect(r.reproduced).toBe(true);
  });
});
