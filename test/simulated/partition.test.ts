import { describe, expect, it } from 'vitest';
import { HV_PARTITION_PROPERTY, HV_SCHEDULER_TYPE } from '../../src/hv/flags/HvPartitionProperty.js';
import { HV_COMPATIBILITY_21_H2 } from '../../src/hv/flags/HvPartitionCreationFlag.js';
import { HVMSG } from '../../src/hv/flags/HvMessageType.js';
import { HvStatus as S } from '../../src/hv/HvStatus.js';
import {
  CreatePartition,
  DeletePartition,
  FinalizePartition,
  GetPartitionProperty,
  GetPartitionPropertyEx,
  GetSystemProperty,
  InitializePartition,
  SetPartitionProperty,
} from '../../src/hv/hypercalls/index.js';
import { HV_PARTITION_ID_SELF } from '../../src/hv/ids.js';
import { PROPERTY_REFERENCE_TIME, PROPERTY_TIME_FREEZE } from '../../adapters/simulated/model/Properties.js';
import { SimulatedMachine } from '../../adapters/simulated/SimulatedMachine.js';
import { ALL_CREATION_FLAGS, Caller, smallMachine } from './harness.js';

const createValues = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  flags: ALL_CREATION_FLAGS,
  proximityDomainInfo: 0n,
  compatibilityVersion: HV_COMPATIBILITY_21_H2,
  disabledProcessorFeatures0: 0n,
  disabledProcessorFeatures1: 0n,
  disabledProcessorXsaveFeatures: 0n,
  isolationProperties: 0n,
  ...over,
});

describe('CREATE_PARTITION (inventory §c.2)', () => {
  it('gives deterministic ids from the seed, the same for the same seed', () => {
    const ids = (seed: number): bigint[] => {
      const c = new Caller(smallMachine({ seed }));
      return [c.createPartition(), c.createPartition()];
    };
    const [a, b] = ids(11);
    expect(b).toBe(a! + 1n);
    expect(ids(11)).toEqual([a, b]);
    expect(ids(12)[0]).not.toBe(a);
  });

  it('answers INSUFFICIENT_MEMORY from the root pool until the root gets a deposit', () => {
    const m = smallMachine({ costs: { rootPoolInitialPages: 0, createPartitionRootPages: 2 } });
    const c = new Caller(m);
    expect(c.call(CreatePartition, createValues()).status).toBe(S.INSUFFICIENT_MEMORY);
    c.deposit(HV_PARTITION_ID_SELF, 1);
    expect(c.call(CreatePartition, createValues()).status).toBe(S.INSUFFICIENT_MEMORY);
    c.deposit(HV_PARTITION_ID_SELF, 1);
    expect(c.call(CreatePartition, createValues()).status).toBe(S.SUCCESS);
    expect(m.partitions()[0]!.pool.usedPages).toBe(2);
  });

  it.each([
    ['an unknown creation flag', { flags: ALL_CREATION_FLAGS | (1n << 40n) }],
    ['another compatibility version', { compatibilityVersion: 0x0608 }],
    ['isolation type TDX', { isolationProperties: 3n }],
    ['reserved isolation bits', { isolationProperties: 1n << 6n }],
    ['a shared-GPA boundary without isolation', { isolationProperties: 1n << 20n }],
  ])('refuses %s with INVALID_PARAMETER', (_what, over) => {
    const c = new Caller(smallMachine());
    expect(c.call(CreatePartition, createValues(over)).status).toBe(S.INVALID_PARAMETER);
  });
});

describe('partition lifecycle: created → initialized → finalized → deleted (lifecycle rules 1)', () => {
  it('initializes once, taking the initialize cost from the pool (INSUFFICIENT_MEMORY before the deposit)', () => {
    const m = smallMachine();
    const c = new Caller(m);
    const id = c.createPartition();
    expect(c.fast(InitializePartition, { partitionId: id }).status).toBe(S.INSUFFICIENT_MEMORY);
    c.initialize(id);
    expect(m.partition(id)?.state).toBe('initialized');
    expect(m.partition(id)?.pool.usedPages).toBe(m.knobs.costs.initializePages);
    expect(c.fast(InitializePartition, { partitionId: id }).status).toBe(S.INVALID_PARTITION_STATE);
  });

  it('answers INVALID_PARTITION_ID for an unknown or deleted partition', () => {
    const c = new Caller(smallMachine());
    expect(c.fast(InitializePartition, { partitionId: 0x1234_5678n }).status).toBe(S.INVALID_PARTITION_ID);
    const id = c.createPartition();
    expect(c.fast(DeletePartition, { partitionId: id }).status).toBe(S.SUCCESS);
    expect(c.fast(InitializePartition, { partitionId: id }).status).toBe(S.INVALID_PARTITION_ID);
  });

  it('refuses DELETE of an initialized partition until it is finalized (inventory §c.12)', () => {
    const m = smallMachine();
    const c = new Caller(m);
    const id = c.readyPartition();
    expect(c.fast(DeletePartition, { partitionId: id }).status).toBe(S.INVALID_PARTITION_STATE);
    expect(c.fast(FinalizePartition, { partitionId: id }).status).toBe(S.SUCCESS);
    expect(c.fast(FinalizePartition, { partitionId: id }).status).toBe(S.INVALID_PARTITION_STATE);
    expect(c.fast(InitializePartition, { partitionId: id }).status).toBe(S.INVALID_PARTITION_STATE);
    const withdrawn = c.withdrawAll(id);
    expect(withdrawn).toBe(m.partition(id)!.pool.depositedTotal);
    expect(c.fast(DeletePartition, { partitionId: id }).status).toBe(S.SUCCESS);
    const audit = m.audit();
    expect(audit.violations).toEqual([]);
    expect(audit.leakedPages).toBe(0);
  });

  it('reports pages never withdrawn from a deleted partition as leaked, still accounted for', () => {
    const m = smallMachine();
    const c = new Caller(m);
    const id = c.readyPartition();
    c.fast(FinalizePartition, { partitionId: id });
    c.fast(DeletePartition, { partitionId: id });
    const audit = m.audit();
    expect(audit.ok).toBe(true);
    expect(audit.leakedPages).toBe(m.partition(id)!.pool.depositedTotal);
  });

  it('forgets a partition deleted clean: held partitions stay as many as the live ones, the id stays deleted, its key is reused', () => {
    const m = smallMachine();
    const c = new Caller(m);
    const held = (): string[] => m.model.all().map((p) => `${p.key}:0x${p.id.toString(16)}`);
    const a = c.readyPartition();
    const b = c.readyPartition();
    const keyOf = (id: bigint): number | undefined => m.model.all().find((p) => p.id === id)?.key;
    const keyOfA = keyOf(a);
    expect(c.fast(FinalizePartition, { partitionId: a }).status).toBe(S.SUCCESS);
    c.withdrawAll(a);
    expect(c.fast(DeletePartition, { partitionId: a }).status).toBe(S.SUCCESS);
    expect(m.partition(a)).toBeUndefined();
    expect(m.model.all().map((p) => p.id)).not.toContain(a);
    expect([m.model.wasDeleted(a), m.model.wasDeleted(b)]).toEqual([true, false]);
    // An id never handed out was not deleted; ids are never reused.
    expect(m.model.wasDeleted(b + 100n)).toBe(false);
    expect(c.fast(InitializePartition, { partitionId: a }).status).toBe(S.INVALID_PARTITION_ID);
    // The next partition takes the free key (the host-page tag), with a new id.
    const before = held();
    const d = c.createPartition();
    expect(d).toBeGreaterThan(b);
    expect(keyOf(d)).toBe(keyOfA);
    expect(held()).toHaveLength(before.length + 1);
    expect(m.audit().violations).toEqual([]);
    // A snapshot holds what is held, keys ascending with gaps allowed, and restores to the same.
    expect(c.fast(FinalizePartition, { partitionId: d }).status).toBe(S.SUCCESS);
    c.withdrawAll(d);
    expect(c.fast(DeletePartition, { partitionId: d }).status).toBe(S.SUCCESS);
    const snap = m.snapshot();
    const restored = SimulatedMachine.fromSnapshot(JSON.parse(JSON.stringify(snap)));
    if (!restored.ok) throw new Error(restored.error.message);
    expect(restored.value.snapshot()).toEqual(snap);
    expect(restored.value.model.wasDeleted(a) && restored.value.model.wasDeleted(d)).toBe(true);
    expect(restored.value.model.all().map((p) => p.id)).toEqual(m.model.all().map((p) => p.id));
  });

  it('keeps a deleted partition that still has deposited pages, for the audit to report as leaked', () => {
    const m = smallMachine();
    const c = new Caller(m);
    const id = c.readyPartition();
    c.fast(FinalizePartition, { partitionId: id });
    c.fast(DeletePartition, { partitionId: id });
    expect(m.partition(id)?.state).toBe('deleted');
    expect(m.model.wasDeleted(id)).toBe(true);
  });

  it('does not let the root finalize or delete itself', () => {
    const c = new Caller(smallMachine());
    expect(c.fast(FinalizePartition, { partitionId: HV_PARTITION_ID_SELF }).status).toBe(S.ACCESS_DENIED);
    const root = c.machine.knobs.rootPartitionId;
    expect(c.fast(FinalizePartition, { partitionId: root }).status).toBe(S.ACCESS_DENIED);
    // The root is refused as the root, before its state is looked at.
    expect(c.fast(DeletePartition, { partitionId: HV_PARTITION_ID_SELF }).status).toBe(S.ACCESS_DENIED);
    expect(c.fast(DeletePartition, { partitionId: root }).status).toBe(S.ACCESS_DENIED);
  });
});

describe('partition properties (lifecycle rules 1–3, inventory §c.9)', () => {
  const get = (c: Caller, partitionId: bigint, propertyCode: number): { status: number; value: bigint } => {
    const a = c.call(GetPartitionProperty, { partitionId, propertyCode });
    return { status: a.status, value: a.output.view.getBigUint64(0, true) };
  };
  const set = (c: Caller, partitionId: bigint, propertyCode: number, propertyValue: bigint): number =>
    c.call(SetPartitionProperty, { partitionId, propertyCode, propertyValue }).status;

  it('allows early properties only before INITIALIZE_PARTITION', () => {
    const c = new Caller(smallMachine());
    const id = c.createPartition();
    expect(set(c, id, HV_PARTITION_PROPERTY.SYNTHETIC_PROC_FEATURES, 0x3n)).toBe(S.SUCCESS);
    c.initialize(id);
    expect(set(c, id, HV_PARTITION_PROPERTY.SYNTHETIC_PROC_FEATURES, 0x7n)).toBe(S.INVALID_PARTITION_STATE);
    expect(get(c, id, HV_PARTITION_PROPERTY.SYNTHETIC_PROC_FEATURES).value).toBe(0x3n);
  });

  it('writes the reference time only while time is frozen; freeze and thaw are idempotent', () => {
    const m = smallMachine();
    const c = new Caller(m);
    const id = c.readyPartition();
    expect(set(c, id, PROPERTY_REFERENCE_TIME, 5_000n)).toBe(S.INVALID_PARTITION_STATE);
    expect(set(c, id, PROPERTY_TIME_FREEZE, 1n)).toBe(S.SUCCESS);
    expect(set(c, id, PROPERTY_TIME_FREEZE, 1n)).toBe(S.SUCCESS);
    expect(set(c, id, PROPERTY_REFERENCE_TIME, 5_000n)).toBe(S.SUCCESS);
    m.advanceTime(1_000_000n);
    expect(get(c, id, PROPERTY_REFERENCE_TIME).value).toBe(5_000n);
    expect(set(c, id, PROPERTY_TIME_FREEZE, 0n)).toBe(S.SUCCESS);
    expect(set(c, id, PROPERTY_TIME_FREEZE, 0n)).toBe(S.SUCCESS);
    m.advanceTime(1_000_000n);
    const after = get(c, id, PROPERTY_REFERENCE_TIME).value;
    expect(after).toBeGreaterThan(5_000n + 9_000n);
    expect(after).toBeLessThan(5_000n + 11_000n);
  });

  it('answers UNKNOWN_PROPERTY, PROPERTY_VALUE_OUT_OF_RANGE and INVALID_PARAMETER (read-only)', () => {
    const c = new Caller(smallMachine());
    const id = c.readyPartition();
    expect(set(c, id, 0x0004_0000, 1n)).toBe(S.UNKNOWN_PROPERTY);
    expect(get(c, id, 0x0004_0000).status).toBe(S.UNKNOWN_PROPERTY);
    expect(set(c, id, PROPERTY_TIME_FREEZE, 2n)).toBe(S.PROPERTY_VALUE_OUT_OF_RANGE);
    expect(set(c, id, HV_PARTITION_PROPERTY.MAX_XSAVE_DATA_SIZE, 4096n)).toBe(S.INVALID_PARAMETER);
  });

  it('reports the XSAVE sizing the driver needs for GET_VP_STATE (inventory §c.7)', () => {
    const m = smallMachine();
    const c = new Caller(m);
    const id = c.readyPartition();
    expect(get(c, id, HV_PARTITION_PROPERTY.MAX_XSAVE_DATA_SIZE)).toEqual({
      status: S.SUCCESS,
      value: BigInt(m.knobs.maxXsaveDataSize),
    });
    expect(get(c, HV_PARTITION_ID_SELF, HV_PARTITION_PROPERTY.XSAVE_STATES).value).toBe(m.knobs.xsaveStates);
    const ex = c.call(GetPartitionPropertyEx, {
      partitionId: id,
      propertyCode: HV_PARTITION_PROPERTY.XSAVE_STATES,
      arg: 0n,
    });
    expect(ex.status).toBe(S.SUCCESS);
    expect(ex.output.view.getBigUint64(0, true)).toBe(m.knobs.xsaveStates);
  });

  it('completes asynchronously with CALL_PENDING and an HVMSG_ASYNC_CALL_COMPLETION on the calling CPU', () => {
    const m = smallMachine({ asyncPropertyRate: 1, cpuCount: 2 });
    const c = new Caller(m, 1);
    const id = c.readyPartition();
    expect(set(c, id, PROPERTY_TIME_FREEZE, 1n)).toBe(S.CALL_PENDING);
    expect(m.host.sint0PendingCpus()).toEqual([1]);
    const msg = m.takeSint0Message(1)!;
    const v = new DataView(msg.buffer);
    expect(v.getUint32(0, true)).toBe(HVMSG.ASYNC_CALL_COMPLETION);
    expect(v.getBigUint64(16, true)).toBe(id);
    expect(v.getUint32(24, true)).toBe(S.SUCCESS);
    expect(m.partition(id)?.timeFrozen).toBe(true);
  });
});

describe('GET_SYSTEM_PROPERTY(15) scheduler type (inventory §c.1)', () => {
  it.each([
    ['lp', HV_SCHEDULER_TYPE.LP],
    ['lp-smt', HV_SCHEDULER_TYPE.LP_SMT],
    ['core-smt', HV_SCHEDULER_TYPE.CORE_SMT],
    ['root', HV_SCHEDULER_TYPE.ROOT],
  ] as const)('answers %s as %i', (scheduler, type) => {
    const c = new Caller(new SimulatedMachine({ seed: 1, scheduler }));
    const a = c.call(GetSystemProperty, { propertyId: 15, value: 0n });
    expect(a.status).toBe(S.SUCCESS);
    expect(a.output.view.getUint32(0, true)).toBe(type);
    expect(c.call(GetSystemProperty, { propertyId: 16, value: 0n }).status).toBe(S.INVALID_PARAMETER);
  });
});
