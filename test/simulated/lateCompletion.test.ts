import { describe, expect, it } from 'vitest';
import { SimulatedMachine } from '../../adapters/simulated/SimulatedMachine.js';
import { HVMSG } from '../../src/hv/flags/HvMessageType.js';
import { HvStatus as S } from '../../src/hv/HvStatus.js';
import { SetPartitionProperty } from '../../src/hv/hypercalls/index.js';
import { canonicalJson } from '../../src/log/canonicalJson.js';
import type { FaultPlanEntry } from '../../src/scenario/Scenario.js';
import { PROPERTY_TIME_FREEZE } from '../../adapters/simulated/model/Properties.js';
import { Caller, smallMachine } from './harness.js';

const MS = 1_000_000n;

/** The nth SET_PARTITION_PROPERTY answers CALL_PENDING and completes `delayNs` later. */
const late = (nth: number, delayNs: bigint): FaultPlanEntry => ({
  call: 'SET_PARTITION_PROPERTY',
  nth,
  status: S.CALL_PENDING,
  statusName: 'CALL_PENDING',
  completionDelayNs: delayNs,
});

const freeze = (c: Caller, id: bigint, value: bigint): number =>
  c.call(SetPartitionProperty, { partitionId: id, propertyCode: PROPERTY_TIME_FREEZE, propertyValue: value })
    .status;

/** The partitions of the completion messages in `cpu`'s SINT0, in delivery order (each taken). */
function drain(m: SimulatedMachine, cpu: number): bigint[] {
  const out: bigint[] = [];
  for (let msg = m.takeSint0Message(cpu); msg !== undefined; msg = m.takeSint0Message(cpu)) {
    const v = new DataView(msg.buffer);
    expect(v.getUint32(0, true)).toBe(HVMSG.ASYNC_CALL_COMPLETION);
    out.push(v.getBigUint64(16, true));
  }
  return out;
}

describe('late asynchronous completion (issue 6 fault choice; inventory §c.9)', () => {
  it('answers CALL_PENDING at once, applies the change, and posts the completion only when the delay has passed', () => {
    const m = smallMachine({ cpuCount: 2, faults: [late(1, 3n * MS)] });
    const c = new Caller(m, 1);
    const id = c.readyPartition();
    expect(freeze(c, id, 1n)).toBe(S.CALL_PENDING);
    expect(m.partition(id)?.timeFrozen).toBe(true);
    expect(m.host.sint0PendingCpus()).toEqual([]);
    m.advanceTime(2n * MS);
    expect(m.host.sint0PendingCpus()).toEqual([]);
    m.advanceTime(1n * MS);
    expect(m.host.sint0PendingCpus()).toEqual([1]);
    expect(drain(m, 1)).toEqual([id]);
  });

  it('queues the late completion behind a message the hypervisor posted meanwhile', () => {
    const m = smallMachine({ asyncPropertyRate: 1, faults: [late(1, 2n * MS)] });
    const c = new Caller(m, 0);
    const a = c.readyPartition();
    const b = c.readyPartition();
    expect(freeze(c, a, 1n)).toBe(S.CALL_PENDING); // late, due in 2 ms
    expect(freeze(c, b, 1n)).toBe(S.CALL_PENDING); // posted at once
    m.advanceTime(2n * MS);
    expect(drain(m, 0)).toEqual([b, a]);
  });

  it('is not a planned refusal: an invalid request still fails with its own status and posts nothing', () => {
    const m = smallMachine({ faults: [late(1, MS)] });
    const c = new Caller(m, 0);
    const id = c.readyPartition();
    expect(freeze(c, id, 2n)).toBe(S.PROPERTY_VALUE_OUT_OF_RANGE);
    m.advanceTime(5n * MS);
    expect(m.host.sint0PendingCpus()).toEqual([]);
    expect(m.hypervisor.recentCalls().at(-1)?.fault).toBe(false);
  });

  it('survives a snapshot taken while the completion is still due: the restored twin delivers it at the same time', () => {
    const m = smallMachine({ faults: [late(1, 3n * MS)] });
    const c = new Caller(m, 0);
    const id = c.readyPartition();
    expect(freeze(c, id, 1n)).toBe(S.CALL_PENDING);
    const text = canonicalJson(m.snapshot());
    expect(text).toContain('"late"');
    const r = SimulatedMachine.fromSnapshot(JSON.parse(text));
    if (!r.ok) throw r.error;
    const twin = r.value;
    expect(canonicalJson(twin.snapshot())).toBe(text);
    for (const x of [m, twin]) {
      x.advanceTime(2n * MS);
      expect(x.host.sint0PendingCpus()).toEqual([]);
      x.advanceTime(MS);
      expect(drain(x, 0)).toEqual([id]);
    }
    expect(twin.stateDigest()).toBe(m.stateDigest());
  });
});
