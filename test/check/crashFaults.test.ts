import { describe, expect, it } from 'vitest';
import { Explorer, ROOT } from '../../src/check/Explorer.js';
import { loadCheckModel } from '../../src/check/loadCheckModel.js';
import { runCheck } from '../../src/check/runCheck.js';
import { describeStep } from '../../src/check/Step.js';
import { HvStatus } from '../../src/hv/HvStatus.js';

/**
 * One partition with a VP and no CLOSE: DELETE_PARTITION is issued only when the VMM dies (the
 * kernel's release path, and `recover`'s teardown), so a fault on it can fire only there.
 */
const model = loadCheckModel({
  format: 1,
  name: 'refused-delete-at-crash',
  world: { seed: 2, hypervisor: { scheduler: 'core-smt' } },
  bounds: { partitions: 1, vps: 1, steps: 3, faults: 1 },
  intents: [
    { intent: 'createPartition', flags: ['LAPIC', 'X2APIC'] },
    { intent: 'partition', request: { type: 'INITIALIZE' } },
    { intent: 'partition', request: { type: 'CREATE_VP', vp: '$vp' } },
  ],
  faults: [{ call: 'DELETE_PARTITION', status: 'ACCESS_DENIED' }],
  crash: true,
});

describe('faults combined with a crash (review finding 10)', () => {
  it.each(['bfs', 'dfs'] as const)(
    '%s judges [fault, crash]: the teardown’s DELETE_PARTITION answers the armed status',
    async (strategy) => {
      const r = await runCheck({ model, strategy });
      expect(r.verdict).toBe('clean');
      expect(r.coverage.calls['DELETE_PARTITION ACCESS_DENIED']).toBeGreaterThan(0);
      // Every fault armed here was armed before a crash: no intent issues DELETE_PARTITION.
      expect(r.coverage.intents['fault → world']).toBeGreaterThan(0);
    },
  );

  it('a fault is armed before a crash only when the unfaulted crash issued its call', () => {
    const ex = new Explorer(model);
    const [created] = ex.expand(ROOT).children;
    if (created === undefined) throw new Error('no createPartition child');
    const crashed = ex.replay(created.path, undefined, true);
    ex.judge(crashed, { kind: 'crash' });
    expect(ex.crashFaults(crashed).map(describeStep)).toEqual([
      'arm fault: DELETE_PARTITION call +1 answers ACCESS_DENIED',
    ]);
    // A fault whose call the teardown never issues (CREATE_VP) is not armed before it.
    const other = new Explorer({
      ...model,
      faults: [{ call: 'CREATE_VP', status: HvStatus.INSUFFICIENT_MEMORY, skip: 0 }],
    });
    expect(other.crashFaults(crashed)).toEqual([]);
  });

  it('within the fault budget only: with no faults allowed, no [fault, crash] is judged', async () => {
    const r = await runCheck({
      model: { ...model, bounds: { ...model.bounds, faults: 0 } },
      strategy: 'bfs',
    });
    expect(r.verdict).toBe('clean');
    expect(r.coverage.calls['DELETE_PARTITION ACCESS_DENIED']).toBeUndefined();
  });
});
