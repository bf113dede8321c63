/**
 * FaultPlan.arm (the model checker's fault step, DECISIONS "Model checker" item 7): a fault armed for a
 * call to come is kept by a snapshot (`faults.armed`), which the snapshot reader reads with the
 * scenario's fault plan codec, so the armed faults must be a plan that codec takes back.
 */
import { describe, expect, it } from 'vitest';
import { SimulatedMachine } from '../../adapters/simulated/SimulatedMachine.js';
import { HvStatus as S } from '../../src/hv/HvStatus.js';
import { canonicalJson } from '../../src/log/canonicalJson.js';
import type { FaultPlanEntry } from '../../src/scenario/Scenario.js';
import { smallMachine } from './harness.js';

const failed: FaultPlanEntry = {
  call: 'CREATE_VP',
  nth: 1,
  status: S.OPERATION_FAILED,
  statusName: 'OPERATION_FAILED',
};

describe('FaultPlan.arm', () => {
  it('refuses a second armed answer for the same call and nth, leaving the plan as it was', () => {
    // Both used to be armed: the second could never fire (the first wins), and the snapshot that
    // kept both was refused by its own reader ("CREATE_VP call 1 already answers OPERATION_FAILED").
    const m = smallMachine();
    m.hypervisor.faults.arm(failed);
    const before = canonicalJson(m.snapshot());
    expect(() => {
      m.hypervisor.faults.arm({ ...failed, status: S.TIME_OUT, statusName: 'TIME_OUT' });
    }).toThrow('arm: CREATE_VP call 1 already answers OPERATION_FAILED; a call answers one status');
    expect(canonicalJson(m.snapshot())).toBe(before);
    const twin = SimulatedMachine.fromSnapshot(JSON.parse(before));
    expect(twin.ok ? canonicalJson(twin.value.snapshot()) : twin.error.message).toBe(before);
  });

  it('takes another nth of the same call, and the same nth of another call', () => {
    const m = smallMachine();
    m.hypervisor.faults.arm(failed);
    m.hypervisor.faults.arm({ ...failed, nth: 2 });
    m.hypervisor.faults.arm({ ...failed, call: 'DELETE_VP' });
    const text = canonicalJson(m.snapshot());
    const twin = SimulatedMachine.fromSnapshot(JSON.parse(text));
    expect(twin.ok ? canonicalJson(twin.value.snapshot()) : twin.error.message).toBe(text);
  });
});
