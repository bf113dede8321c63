import { describe, expect, it } from 'vitest';
import { HvStatus } from '../../src/hv/HvStatus.js';
import { HypercallCode } from '../../src/hv/HypercallCode.js';
import { partitionId } from '../../src/hv/ids.js';
import { traitsOf } from '../../src/hv/Hypercall.js';
import { GetPartitionProperty } from '../../src/hv/hypercalls/GetPartitionProperty.js';
import { SetVpRegisters } from '../../src/hv/hypercalls/SetVpRegisters.js';
import { HvPage } from '../../src/ports/HvPage.js';
import type { CallOutcome, CallPlan, ListWriter } from '../../src/pipeline/CallPlan.js';
import { CountingRecorder } from '../../src/pipeline/HypercallRecorder.js';
import { windowedExecutor } from '../../src/pipeline/windowedExecutor.js';
import { WindowTracker } from '../../src/pipeline/WindowTracker.js';
import { DEPOSIT_RETRIES_MAX, withDepositRetry } from '../../src/pipeline/withDepositRetry.js';
import { DEPOSITED } from '../../src/pipeline/depositPages.js';
import { ScriptedPort } from './ScriptedPort.js';

const pid = partitionId(7n);
const deposit = { target: pid, pagesPerRetry: 1 };

/** Register writes whose name field is the element index, so the page shows which were written. */
const indexList: ListWriter = {
  write(page, byteOffset, from, count) {
    for (let i = 0; i < count; i++) page.view.setUint32(byteOffset + i * 32, from + i, true);
  },
};

const setRegisters = (repCount: number): CallPlan => ({
  def: SetVpRegisters,
  traits: traitsOf(SetVpRegisters),
  header: { partitionId: pid, vpIndex: 0, inputVtl: 0 },
  repCount,
  list: indexList,
  deposit,
  op: 't',
});

function rig() {
  const port = new ScriptedPort();
  const deposits: number[] = [];
  const windowed = windowedExecutor({
    port,
    pages: { input: new HvPage(), output: new HvPage() },
    windows: new WindowTracker(),
    recorder: new CountingRecorder(),
  });
  const exec = withDepositRetry(windowed, (_target, pages) => {
    deposits.push(pages);
    return DEPOSITED;
  });
  return { port, deposits, exec };
}

// Inventory §b.3 (deposit 1 page per INSUFFICIENT_MEMORY and retry), §b.1 hv_do_rep_hypercall_ex and
// §d ROOT_HVCALL "NEW: deposit and retry internally (rep calls resume from reps completed)".
describe('withDepositRetry (inventory §b.1, §b.3, §d)', () => {
  it('resumes a rep plan from the reps completed after a deposit, never re-issuing them', () => {
    const r = rig();
    r.port.script(HypercallCode.SET_VP_REGISTERS, () => ({ result: HvStatus.INSUFFICIENT_MEMORY, reps: 3 }));
    const out = r.exec(setRegisters(5));
    expect(out).toMatchObject({ result: 0, repsCompleted: 5, depositedPages: 1 });
    const issues = r.port.seen.filter((c) => c.code === HypercallCode.SET_VP_REGISTERS);
    expect(issues.map((c) => [c.repStart, c.repCount])).toEqual([
      [0, 5],
      [3, 5],
    ]);
    expect(r.deposits).toEqual([1]);
  });

  it('renews the budget for a rep plan when a retry completed reps', () => {
    const r = rig();
    // 60 fruitless deposits, one that buys a rep, 60 more fruitless ones: 121 in all, within budget.
    const none = (reps: number) => () => ({ result: HvStatus.INSUFFICIENT_MEMORY, reps });
    r.port.script(
      HypercallCode.SET_VP_REGISTERS,
      ...Array.from({ length: 60 }, () => none(0)),
      none(1),
      ...Array.from({ length: 60 }, () => none(1)),
    );
    const out = r.exec(setRegisters(2));
    expect(out).toMatchObject({ result: 0, repsCompleted: 2 });
    expect(r.deposits).toHaveLength(121);
  });

  it('gives up a single call after DEPOSIT_RETRIES_MAX (64) deposits: 65 issues, INSUFFICIENT_MEMORY', () => {
    expect(DEPOSIT_RETRIES_MAX).toBe(64); // docs/DECISIONS.md, deviation 3
    let issues = 0;
    let deposits = 0;
    const always = (plan: CallPlan): CallOutcome => {
      issues += 1;
      return {
        plan,
        result: HvStatus.INSUFFICIENT_MEMORY,
        repsCompleted: 0,
        output: undefined,
        depositedPages: 0,
      };
    };
    const out = withDepositRetry(always, () => {
      deposits += 1;
      return DEPOSITED;
    })({
      def: GetPartitionProperty,
      traits: traitsOf(GetPartitionProperty),
      header: {},
      repCount: 0,
      deposit,
      op: 't',
    });
    expect([issues, deposits]).toEqual([65, 64]);
    expect(out).toMatchObject({ result: HvStatus.INSUFFICIENT_MEMORY, depositedPages: 64 });
  });
});
