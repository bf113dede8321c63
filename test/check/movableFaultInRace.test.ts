import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { CheckVariant } from '../../src/check/CheckVariant.js';
import { counterexampleFromJson, counterexampleJson, reproduce } from '../../src/check/Counterexample.js';
import { loadCheckModel } from '../../src/check/loadCheckModel.js';
import { runCheck } from '../../src/check/runCheck.js';

const model = loadCheckModel(JSON.parse(readFileSync('docs/check/movable-fault-in-race.json', 'utf8')));

/** A driver that maps what hmm_range_fault resolved without mmu_interval_read_retry. */
const noReadRetry: CheckVariant = { name: 'noReadRetry', world: { hooks: { faultInRetry: () => false } } };

describe('docs/check/movable-fault-in-race.json: a host migration racing a fault-in (NEW, inventory §c.4)', () => {
  it('the model arms a racing migration', () => {
    expect(model.intents).toContainEqual({
      intent: 'migrateUserPages',
      userAddr: 0x7f01_0000_0000n,
      size: 0x8000n,
      during: 'nextFaultIn',
    });
  });

  it('is clean on the shipped stack: the raced fault-in is taken again from the pages the mm moved them to', async () => {
    const r = await runCheck({ model, strategy: 'bfs' });
    expect(r.verdict).toBe('clean');
    expect(r.coverage.intents['migrateUserPages → done'] ?? 0).toBeGreaterThan(0);
    expect(r.coverage.intents['migrateUserPages → failed EBUSY'] ?? 0).toBeGreaterThan(0);
    expect(r.coverage.invariants.mmMirror ?? 0).toBeGreaterThan(0);
  });

  it('a driver without mmu_interval_read_retry is found as mmMirror within 12 steps, and the counterexample replays', async () => {
    for (const strategy of ['bfs', 'dfs'] as const) {
      const r = await runCheck({ model, variant: noReadRetry, strategy });
      expect(r.verdict).toBe('violation');
      const cex = r.counterexample;
      if (cex === undefined) throw new Error('no counterexample');
      expect(cex.invariant).toBe('mmMirror');
      expect(cex.message).toMatch(
        /^vm0: region 0x1000 holds host page 0x[0-9a-f]+ at offset \d+, the mm has 0x/,
      );
      expect(cex.steps.length).toBeLessThanOrEqual(12);
      // The armed migration comes before the run whose fault-in it races.
      const armed = cex.intents.findIndex(
        (i) => i.name === 'migrateUserPages' && (i.args as { during?: unknown }).during === 'nextFaultIn',
      );
      expect(armed).toBeGreaterThanOrEqual(0);
      expect(r.reproduced).toBe(true);
      const again = counterexampleFromJson(JSON.parse(JSON.stringify(counterexampleJson(cex))));
      expect(reproduce(again, noReadRetry)?.invariant).toBe('mmMirror');
      expect(reproduce(again)).toBeUndefined();
    }
  });
});
