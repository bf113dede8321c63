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

  it('reports a failure without a status whose errno is not that of the hypercall failure the driver met and did not absorb (mutation M25: a failed map answered EFAULT)', () => {
    const w = world(create, init);
    const op = {
      kind: 'operation' as const,
      id: 41,
      name: 'MSHV_SET_GUEST_MEMORY',
      fd: 3,
      partition: 'vm0',
      vp: null,
      request: 0,
      args: null,
    };
    const failed = (hvStatus: number | null, errnoName: 'EFAULT' | 'EIO') => ({
      step: createVp(0),
      outcome: undefined,
      error: undefined,
      pendingBefore: new Set<string>(),
      operations: [op],
      results: [
        {
          kind: 'result' as const,
          id: 41,
          op: 'MSHV_SET_GUEST_MEMORY',
          outcome: {
            ok: false as const,
            errno: errnoName === 'EFAULT' ? 14 : 5,
            errnoName,
            hvStatus,
            hvStatusName: hvStatus === null ? null : 'ACCESS_DENIED',
            hypercall: hvStatus === null ? null : 'MAP_GPA_PAGES',
            message: '',
          },
        },
      ],
    });
    const call = { name: 'MAP_GPA_PAGES' } as Parameters<NonNullable<typeof kernelErrno.afterCall>>[0];
    const judge = (status: bigint, hvStatus: number | null, errnoName: 'EFAULT' | 'EIO' = 'EFAULT') => {
      w.scratch.failedCalls.clear();
      kernelErrno.onOperation?.(op, w);
      kernelErrno.afterCall?.(call, status, w);
      return kernelErrno.afterStep?.(failed(hvStatus, errnoName), w);
    };
    expect(judge(0x06n, null)).toBe(
      'MSHV_SET_GUEST_MEMORY failed with EFAULT after MAP_GPA_PAGES answered HV_STATUS_ACCESS_DENIED: the kernel returns hv_result_to_errno of it (EIO)',
    );
    // The kernel's errno without the status (a deposit failure inside INITIALIZE reports none) holds.
    expect(judge(0x06n, null, 'EIO')).toBeUndefined();
    // Carried with its status, the failure is judged by its mapping instead.
    expect(judge(0x06n, 0x06, 'EIO')).toBeUndefined();
    // INSUFFICIENT_MEMORY is the driver's to answer (a deposit), not a status it must return: a
    // failure without a status then says nothing to this invariant (null: it does not apply).
    expect(judge(0x0bn, null)).toBeNull();
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
