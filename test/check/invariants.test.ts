import { describe, expect, it } from 'vitest';
import { PARTITION_RULE_ERRNO } from '../../machines/partition/partitionGuards.js';
import { phaseRefusal } from '../../machines/partition/phaseRefusal.js';
import { PARTITION_REQUESTS } from '../../machines/partition/PartitionEvent.js';
import type { PartitionPhase } from '../../machines/partition/PartitionContext.js';
import { VP_RULE_ERRNO, runRefusal } from '../../machines/vp/vpGuards.js';
import { vpStateRefusal } from '../../machines/vp/vpStateRefusal.js';
import { CheckWorld } from '../../src/check/CheckWorld.js';
import { defaultModel } from '../../src/check/defaultModel.js';
import { EXPECTED_ERRNO, expectedRunErrno } from '../../src/check/expectedErrno.js';
import { ALL_INVARIANTS, kernelErrno } from '../../src/check/invariants/index.js';
import { controlPlaneDigest } from '../../src/check/stateDigest.js';
import type { Step } from '../../src/check/Step.js';

const model = defaultModel();
const PHASES: PartitionPhase[] = [
  'created',
  'earlyProperties',
  'initialized',
  'configured',
  'running',
  'paused',
  'pausing',
  'resuming',
  'closing',
  'closed',
];

const intent = (name: string, args: unknown): Step => ({ kind: 'intent', name, args: args as never });
const create = intent('createPartition', { key: 'vm0', args: { ptFlags: '0x0', ptIsolation: '0x0' } });
const init = intent('partition', { key: 'vm0', request: { type: 'INITIALIZE' } });
const createVp = (vp: number): Step =>
  intent('partition', { key: 'vm0', request: { type: 'CREATE_VP', vp } });

function world(...steps: Step[]): CheckWorld {
  const w = new CheckWorld({ world: model.world });
  w.observing = true;
  for (const s of steps) expect(w.run(s).violation).toBeUndefined();
  return w;
}

describe('the reference errno table (kernelErrno, inventory §d)', () => {
  it('has the same errno as the machines for every rule guard', () => {
    for (const [rule, errno] of Object.entries({ ...PARTITION_RULE_ERRNO, ...VP_RULE_ERRNO }))
      expect([rule, EXPECTED_ERRNO[rule]]).toEqual([rule, errno]);
  });

  it('names every catch-all refusal of both machines', () => {
    for (const phase of PHASES) {
      for (const request of [...PARTITION_REQUESTS, 'BOGUS']) {
        const r = phaseRefusal(phase, request);
        expect(EXPECTED_ERRNO[r.rule]).toBe(r.errno);
      }
      expect(expectedRunErrno(phase)).toBe(runRefusal(phase).errno);
    }
    for (const state of ['running', 'deleted', 'other'] as const)
      for (const request of ['RUN', 'READY', 'BOGUS', 'OP_OK']) {
        const r = vpStateRefusal(state, request);
        expect(EXPECTED_ERRNO[r.rule]).toBe(r.errno);
      }
  });

  it('reports a refusal whose errno is not the kernel one, and a rule it does not know', () => {
    const w = world(create, init);
    const view = (rule: string, errno: 'EBUSY' | 'EEXIST') => ({
      step: createVp(0),
      outcome: { status: 'rejected' as const, errno, rule },
      error: undefined,
      pendingBefore: new Set<string>(),
      operations: [],
      results: [],
    });
    expect(kernelErrno.afterStep?.(view('vpSlotFree', 'EEXIST'), w)).toBeUndefined();
    expect(kernelErrno.afterStep?.(view('vpSlotFree', 'EBUSY'), w)).toBe(
      'CREATE_VP refused by vpSlotFree with EBUSY; the kernel returns EEXIST',
    );
    expect(kernelErrno.afterStep?.(view('madeUp', 'EBUSY'), w)).toContain('no errno in the reference table');
  });
});

describe('invariants on the shipped stack', () => {
  it('every invariant has a name and a summary, names unique', () => {
    const names = ALL_INVARIANTS.map((i) => i.name);
    expect(new Set(names).size).toBe(names.length);
    for (const i of ALL_INVARIANTS) expect(i.summary.length).toBeGreaterThan(20);
  });

  it('a boot, a map, a run and a close break nothing; a crash after a map leaves nothing behind', () => {
    const map = intent('partition', {
      key: 'vm0',
      request: {
        type: 'MAP_MEMORY',
        region: 'ram2m',
        detail: { guestPfn: '0x0', size: '0x4000000', userAddr: '0x7f0000000000', flags: 3 },
      },
    });
    world(create, init, map, createVp(0), intent('partition', { key: 'vm0', request: { type: 'CLOSE' } }));
    const w = world(create, init, map, createVp(1));
    const r = w.run({ kind: 'crash' });
    expect(r.violation).toBeUndefined();
    expect(w.sim.machine.model.all().filter((p) => !p.isRoot && p.state !== 'deleted')).toEqual([]);
  });
});

describe('state digests', () => {
  it('fold identical VPs together under VP symmetry, and tell them apart without it', () => {
    const a = world(create, init, createVp(0));
    const b = world(create, init, createVp(1));
    const on = { partitions: true, vps: true };
    const off = { partitions: true, vps: false };
    expect(controlPlaneDigest(a, on)).toBe(controlPlaneDigest(b, on));
    expect(controlPlaneDigest(a, off)).not.toBe(controlPlaneDigest(b, off));
  });

  it('differ when the world differs and agree on a re-run of the same path', () => {
    const sym = model.symmetry;
    expect(controlPlaneDigest(world(create), sym)).not.toBe(controlPlaneDigest(world(create, init), sym));
    expect(controlPlaneDigest(world(create, init), sym)).toBe(controlPlaneDigest(world(create, init), sym));
  });
});
