import { describe, expect, it } from 'vitest';
import { HvStatus } from '../../../src/hv/HvStatus.js';
import { partitionId } from '../../../src/hv/ids.js';
import type { CallOutcome, CallPlan } from '../../../src/pipeline/CallPlan.js';
import type { DriverEnv } from '../../../src/pipeline/driver/DriverEnv.js';
import { withdrawAll } from '../../../src/pipeline/driver/withdrawAll.js';
import type { PfnRun } from '../../../src/pipeline/PfnRuns.js';

/** A driver env whose WITHDRAW_MEMORY answers come from `answers` (PFN lists and statuses), one per call. */
function rig(answers: readonly { pfns: readonly number[]; result: number }[]): {
  env: DriverEnv;
  freed: PfnRun[][];
  calls: CallPlan[];
} {
  const freed: PfnRun[][] = [];
  const calls: CallPlan[] = [];
  const execOnce = (plan: CallPlan): CallOutcome => {
    const a = answers[calls.length];
    calls.push(plan);
    if (a === undefined) throw new Error('withdrawAll called once too often');
    const out = new Uint8Array(a.pfns.length * 8);
    const view = new DataView(out.buffer);
    a.pfns.forEach((pfn, i) => {
      view.setBigUint64(i * 8, BigInt(pfn), true);
    });
    return { plan, result: a.result, repsCompleted: a.pfns.length, output: out, depositedPages: 0 };
  };
  const kernel = {
    allocPages: () => null,
    freePages: (runs: readonly PfnRun[]) => {
      freed.push([...runs]);
    },
  };
  return { env: { execOnce, kernel } as unknown as DriverEnv, freed, calls };
}

describe('withdrawAll: hv_call_withdraw_memory (inventory §b.3)', () => {
  it('frees a descending batch (a hypervisor handing back a stack) as one run, and an ascending one too', () => {
    const down = Array.from({ length: 512 }, (_, i) => 0x9000 - i);
    const up = [0x100, 0x101, 0x102];
    const { env, freed, calls } = rig([
      { pfns: down, result: HvStatus.SUCCESS },
      { pfns: up, result: HvStatus.NO_RESOURCES },
    ]);
    expect(withdrawAll(env, partitionId(5n), 'test')).toEqual({ errno: 0, pages: 515 });
    expect(calls).toHaveLength(2);
    expect(freed).toEqual([[{ pfn: 0x9000 - 511, count: 512 }], [{ pfn: 0x100, count: 3 }]]);
  });

  it('starts a new run where the direction turns or a PFN repeats, so the host sees the repeat', () => {
    const { env, freed } = rig([{ pfns: [10, 11, 12, 11, 10, 10, 40, 39], result: HvStatus.NO_RESOURCES }]);
    withdrawAll(env, partitionId(5n), 'test');
    expect(freed).toEqual([
      [
        { pfn: 10, count: 3 },
        { pfn: 10, count: 2 },
        { pfn: 10, count: 1 },
        { pfn: 39, count: 2 },
      ],
    ]);
  });

  it('returns the errno of a failing status with the pages it freed before', () => {
    const { env } = rig([
      { pfns: [7, 6], result: HvStatus.SUCCESS },
      { pfns: [], result: HvStatus.INVALID_PARTITION_ID },
    ]);
    expect(withdrawAll(env, partitionId(5n), 'test')).toEqual({ errno: -22, pages: 2 });
  });
});
