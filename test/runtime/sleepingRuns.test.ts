import { describe, expect, it } from 'vitest';
import { ControlPlane } from '../../src/runtime/ControlPlane.js';
import { CountingRecorder } from '../../src/pipeline/HypercallRecorder.js';
import { SimWorld } from '../../src/runner/SimWorld.js';
import type { Scenario } from '../../src/scenario/Scenario.js';

function plane(seed: number): { plane: ControlPlane; sim: SimWorld } {
  const scenario = {
    format: 1,
    name: 'sleeping',
    seed,
    hypervisor: { scheduler: 'core-smt', faults: [] },
    hostMemory: [],
    steps: [],
  } as unknown as Scenario;
  const sim = new SimWorld(scenario, new CountingRecorder());
  return { plane: new ControlPlane(sim), sim };
}

function started(p: ControlPlane, key: string, vps: number): void {
  expect(p.createPartition(key, { ptFlags: 1n, ptIsolation: 0n }).status).toBe('done');
  expect(p.partition(key, { type: 'INITIALIZE' }).status).toBe('done');
  for (let i = 0; i < vps; i++) {
    expect(p.partition(key, { type: 'CREATE_VP', vp: i }).status).toBe('done');
    expect(p.vp(key, i, { type: 'READY' }).status).toBe('done');
  }
  expect(p.partition(key, { type: 'START' }).status).toBe('done');
}

describe('runs asleep in MSHV_RUN_VP', () => {
  it('every VP reaches the VMM, whichever CPU it is on (each CPU takes its own SINT0 interrupt)', () => {
    const { plane: p, sim } = plane(2026);
    const vps = sim.machine.knobs.cpuCount + 1;
    started(p, 'vm0', vps);
    for (let i = 0; i < vps; i++) {
      p.guest('vm0', i, [{ exit: 'IO_PORT', port: 0x3f8, write: true, size: 1, value: 0x30 + i }]);
      const run = p.vp('vm0', i, { type: 'RUN' });
      expect(run).toMatchObject({
        status: 'done',
        value: { kind: 'IO_PORT', vpIndex: i, value: `0x${(0x30 + i).toString(16)}` },
      });
    }
  });

  it('settle finishes them in partition creation order, then VP order, whatever order they slept in', () => {
    const { plane: p, sim } = plane(9);
    started(p, 'b', 2);
    started(p, 'a', 2);
    for (const [key, vp] of [
      ['a', 1],
      ['b', 1],
      ['a', 0],
      ['b', 0],
    ] as const)
      expect(p.vp(key, vp, { type: 'RUN' }).status).toBe('pending');
    expect(p.pendingRuns().map((r) => `${r.partition}/${r.vp}`)).toEqual(['b/0', 'b/1', 'a/0', 'a/1']);
    // Exits arrive behind the plane's back; one settle finishes every run that no longer sleeps.
    for (const key of ['a', 'b'])
      for (const vp of [0, 1]) sim.setGuestScript(p.partitionFd(key) ?? -1, vp, [{ exit: 'HALT' }]);
    p.settle();
    const settled = p.takeSettled();
    expect(settled.map((s) => `${s.partition}/${s.vp}`)).toEqual(['b/0', 'b/1', 'a/0', 'a/1']);
    expect(settled.every((s) => s.outcome.status === 'done')).toBe(true);
    expect(p.pendingRuns()).toEqual([]);
  });
});
