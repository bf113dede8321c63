import { describe, expect, it } from 'vitest';
import type { CheckModel } from '../../src/check/CheckModel.js';
import type { CheckVariant } from '../../src/check/CheckVariant.js';
import { loadCheckModel } from '../../src/check/loadCheckModel.js';
import { runCheck } from '../../src/check/runCheck.js';
import { releaseVp } from '../../src/pipeline/driver/releaseVp.js';
import { ScenarioError } from '../../src/scenario/ScenarioError.js';

/** One partition of up to two VPs, created, initialized, closed; the VMM may die after any step. */
const MODEL_JSON = {
  format: 1,
  name: 'sparse-vps',
  world: { seed: 2, hypervisor: { scheduler: 'core-smt' } },
  bounds: { partitions: 1, vps: 2, steps: 4, faults: 0 },
  intents: [
    { intent: 'createPartition', flags: ['LAPIC', 'X2APIC'] },
    { intent: 'partition', request: { type: 'INITIALIZE' } },
    { intent: 'partition', request: { type: 'CREATE_VP', vp: '$vp' } },
    { intent: 'partition', request: { type: 'CLOSE' } },
  ],
  crash: true,
};

const model = (extra: Record<string, unknown> = {}): CheckModel =>
  loadCheckModel({ ...MODEL_JSON, ...extra });

/**
 * A teardown that walks VP indexes densely, 0 to the VP count, instead of the VPs it holds: a
 * partition whose only VP is VP 1 keeps that VP's hypervisor pages mapped. With VP symmetry, VP 1
 * alone hashes as VP 0 alone, so the state it is in is "already seen".
 */
const denseVpRelease: CheckVariant = {
  name: 'denseVpRelease',
  world: {
    hooks: {
      releaseVp: (env, pt, vp) => {
        if (vp.index < pt.vps.size) releaseVp(env, pt, vp);
      },
    },
  },
};

function errorOf(f: () => unknown): ScenarioError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ScenarioError);
    return e as ScenarioError;
  }
  throw new Error('not refused');
}

describe('crashPoints: a crash after every transition, not only at every new state', () => {
  it('loads "states" and "transitions", and refuses another value or transitions without a crash, naming $.crashPoints', () => {
    expect(model().crashPoints).toBeUndefined();
    expect(model({ crashPoints: 'states' }).crashPoints).toBe('states');
    expect(model({ crashPoints: 'transitions' }).crashPoints).toBe('transitions');
    const unknown = errorOf(() => model({ crashPoints: 'every' }));
    expect(unknown.path).toBe('$.crashPoints');
    expect(unknown.message).toContain("'every'");
    const noCrash = errorOf(() => model({ crashPoints: 'transitions', crash: false }));
    expect(noCrash.path).toBe('$.crashPoints');
    expect(noCrash.message).toContain('needs "crash": true');
  });

  it('random walks refuse it (they crash at random steps), naming $.crashPoints', async () => {
    await expect(
      runCheck({ model: model({ crashPoints: 'transitions' }), strategy: 'random' }),
    ).rejects.toThrow(/\$\.crashPoints: .*random walks crash at random steps/);
  });

  it('the shipped stack: the same states, more crash points judged, clean (BFS and DFS)', async () => {
    for (const strategy of ['bfs', 'dfs'] as const) {
      const states = await runCheck({ model: model(), strategy });
      const transitions = await runCheck({ model: model({ crashPoints: 'transitions' }), strategy });
      expect(states.verdict).toBe('clean');
      expect(transitions.verdict).toBe('clean');
      expect(transitions.states).toBe(states.states);
      expect(transitions.transitions).toBeGreaterThan(states.transitions);
    }
  });

  it('a teardown bug behind a state the digest calls seen: missed at states, found at transitions (DECISIONS checker 2)', async () => {
    // The bug is reachable: without VP symmetry, VP 1 alone is a state of its own and is crashed.
    const unfolded = await runCheck({
      model: { ...model(), symmetry: { partitions: true, vps: false } },
      variant: denseVpRelease,
      strategy: 'bfs',
    });
    expect(unfolded.verdict).toBe('violation');
    // With symmetry, crash points at states never crash (or close) VP 1 alone.
    for (const strategy of ['bfs', 'dfs'] as const) {
      const atStates = await runCheck({ model: model(), variant: denseVpRelease, strategy });
      expect(atStates.verdict).toBe('clean');
    }
    // At transitions, the step into the seen state is a crash point: found, minimal, reproduced.
    for (const strategy of ['bfs', 'dfs'] as const) {
      const r = await runCheck({
        model: model({ crashPoints: 'transitions' }),
        variant: denseVpRelease,
        strategy,
      });
      expect(r.verdict).toBe('violation');
      expect(r.reproduced).toBe(true);
      const cex = r.counterexample;
      expect(cex?.crash).toBe(true);
      expect(cex?.intents.map((i) => JSON.stringify(i.args))).toEqual([
        expect.stringContaining('"key":"vm0"'),
        expect.stringContaining('INITIALIZE'),
        expect.stringContaining('"vp":1'),
      ]);
      expect(cex?.invariant).toBe(unfolded.counterexample?.invariant);
    }
  });
});
