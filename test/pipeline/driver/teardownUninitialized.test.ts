import { describe, expect, it } from 'vitest';
import { opaqueInterceptMessage } from '../../../adapters/simulated/model/Messages.js';
import { defaultHooks } from '../../../src/pipeline/driver/defaultHooks.js';
import type { HypercallRecorder } from '../../../src/pipeline/HypercallRecorder.js';
import { SimWorld } from '../../../src/runner/SimWorld.js';
import { loadScenario } from '../../../src/scenario/loadScenario.js';

const NULL_RECORDER: HypercallRecorder = { wantsBytes: false, record: () => undefined };

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

describe('teardown step 4 (inventory §c.12): the ISR finds the partition until it is unlisted after FINALIZE', () => {
  it('an intercept for the partition that arrives while its VPs are released still kicks its VP (review F6)', () => {
    const kicked: boolean[] = [];
    const late: { world?: SimWorld } = {};
    const world = new SimWorld(
      loadScenario({ format: 1, name: 'teardown', seed: 3, steps: [] }),
      NULL_RECORDER,
      {
        hooks: {
          releaseVp(env, pt, vp) {
            // A message the hypervisor posted before the VP's pages go: the drain must still see it.
            late.world?.machine.model.synic.post(0, opaqueInterceptMessage(pt.id, vp.index));
            env.shared.takePendingInterrupts();
            kicked.push(vp.kickedByHv);
            defaultHooks.releaseVp(env, pt, vp);
          },
        },
      },
    );
    late.world = world;
    const pt = world.device.createPartition({ ptFlags: 0b11n, ptIsolation: 0n });
    if (!pt.ok) throw new Error(pt.error.message);
    expect(world.device.initializePartition(pt.value).ok).toBe(true);
    const vp = world.device.createVp(pt.value, 0);
    if (!vp.ok) throw new Error(vp.error.message);
    expect(world.device.close(pt.value).ok).toBe(true);
    expect(world.device.close(vp.value).ok).toBe(true);
    expect(kicked).toEqual([true]);
    expect(world.device.lastTeardown?.ops.map((o) => o.op)).toContain('UNLIST_PARTITION');
  });
});
