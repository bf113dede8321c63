import { describe, expect, it } from 'vitest';
import { SimWorld } from '../../../src/runner/SimWorld.js';
import { loadScenario } from '../../../src/scenario/loadScenario.js';

function world(): { world: SimWorld; calls: string[] } {
  const calls: string[] = [];
  const w = new SimWorld(loadScenario({ format: 1, name: 'teardown', seed: 3, steps: [] }), {
    wantsBytes: false,
    record: (e) => calls.push(e.name),
  });
  return { world: w, calls };
}

describe('teardown of a partition (inventory §c.12)', () => {
  it('one never initialized is not finalized: WITHDRAW_MEMORY and DELETE_PARTITION only', () => {
    const { world: w, calls } = world();
    const pt = w.device.createPartition({ ptFlags: 0b11n, ptIsolation: 0n });
    if (!pt.ok) throw new Error(pt.error.message);
    const from = calls.length;
    expect(w.device.close(pt.value).ok).toBe(true);
    expect(calls.slice(from)).toEqual(['WITHDRAW_MEMORY', 'DELETE_PARTITION']);
    expect(w.machine.audit().ok).toBe(true);
  });

  it('an initialized one is finalized before its memory is withdrawn', () => {
    const { world: w, calls } = world();
    const pt = w.device.createPartition({ ptFlags: 0b11n, ptIsolation: 0n });
    if (!pt.ok) throw new Error(pt.error.message);
    expect(w.device.initializePartition(pt.value).ok).toBe(true);
    const from = calls.length;
    expect(w.device.close(pt.value).ok).toBe(true);
    expect(calls.slice(from)).toEqual(['FINALIZE_PARTITION', 'WITHDRAW_MEMORY', 'DELETE_PARTITION']);
  });
});
