import { describe, expect, it } from 'vitest';
import { DEFAULT_MODEL_JSON } from '../../src/check/defaultModel.js';
import { loadCheckModel } from '../../src/check/loadCheckModel.js';
import { type CheckResult, runCheck, type Strategy } from '../../src/check/runCheck.js';
import { lostLateJson } from './lostLateModel.js';

/**
 * The default model whose third SET_PARTITION_PROPERTY never completes: every strategy finds the
 * liveness violation with work still in flight beside it (review finding 8).
 */
const lostLate = loadCheckModel({
  ...lostLateJson(3),
  random: { ...DEFAULT_MODEL_JSON.random, walks: 60 },
});

const counts = (r: CheckResult): unknown => ({
  verdict: r.verdict,
  states: r.states,
  transitions: r.transitions,
  depth: r.depth,
  work: r.work,
  coverage: r.coverage,
  found: r.found,
  counterexample: r.counterexample,
});

describe('with a violation, counts do not depend on the worker count', () => {
  for (const strategy of ['bfs', 'dfs', 'random'] as const satisfies readonly Strategy[])
    it(`${strategy}: 1 and 2 workers give the same states, transitions, coverage and counterexample`, async () => {
      const one = await runCheck({ model: lostLate, strategy, workers: 1 });
      expect(one.verdict).toBe('violation');
      const two = await runCheck({ model: lostLate, strategy, workers: 2 });
      expect(counts(two)).toEqual(counts(one));
    });
});
