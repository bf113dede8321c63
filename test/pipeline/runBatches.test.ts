import { DEPOSITED } from '../../src/pipeline/depositPages.js';
import { describe, expect, it } from 'vitest';
import { HvStatus } from '../../src/hv/HvStatus.js';
import { partitionId } from '../../src/hv/ids.js';
import { traitsOf } from '../../src/hv/Hypercall.js';
import { MapGpaPages } from '../../src/hv/hypercalls/MapGpaPages.js';
import type { CallOutcome, CallPlan } from '../../src/pipeline/CallPlan.js';
import { runBatches } from '../../src/pipeline/runBatches.js';
import { DEPOSIT_RETRIES_MAX } from '../../src/pipeline/withDepositRetry.js';

const pid = partitionId(7n);
const outcome = (plan: CallPlan, result: number, repsCompleted: number): CallOutcome => ({
  plan,
  result,
  repsCompleted,
  output: undefined,
  depositedPages: 0,
});
const mapRequest = (total: number, deposit = false) => ({
  def: MapGpaPages,
  traits: traitsOf(MapGpaPages),
  total,
  header: () => ({}),
  op: 't',
  ...(deposit ? { deposit: { target: pid, pagesPerRetry: 256 } } : {}),
});

// runBatches takes any Executor (wrapListExecutor plugs others in), so it checks their outcomes as
// issueRep checks the hypervisor's (inventory §b.1); design.md principle 5: every loop is bounded.
describe('runBatches: progress is checked, loops are bounded (inventory §b.1, design.md principle 5)', () => {
  it('throws on SUCCESS with no rep completed, naming the call and done, after one batch', () => {
    let calls = 0;
    const exec = (plan: CallPlan): CallOutcome => {
      calls += 1;
      if (calls > 100) throw new Error('still looping after 100 batches'); // the unbounded loop it was
      return outcome(plan, HvStatus.SUCCESS, 0);
    };
    expect(() => runBatches(exec, () => DEPOSITED, mapRequest(10))).toThrow(
      'MAP_GPA_PAGES (t) at element 0 of 10: SUCCESS with no rep completed of a batch of 10 (no progress)',
    );
    expect(calls).toBe(1);
  });

  it('names where the list stopped when a later batch makes no progress', () => {
    const answers = [509, 0];
    const exec = (plan: CallPlan): CallOutcome => {
      if (answers.length === 0) throw new Error('still looping');
      return outcome(plan, HvStatus.SUCCESS, answers.shift() ?? 0);
    };
    expect(() => runBatches(exec, () => DEPOSITED, mapRequest(1000))).toThrow(
      /at element 509 of 1000: SUCCESS with no rep completed of a batch of 491/,
    );
  });

  it('continues after a SUCCESS with fewer reps than the batch, from where it stopped', () => {
    const starts: number[] = [];
    const exec = (plan: CallPlan): CallOutcome => {
      starts.push(plan.listFrom ?? 0);
      return outcome(plan, HvStatus.SUCCESS, Math.min(plan.repCount, 100));
    };
    expect(runBatches(exec, () => DEPOSITED, mapRequest(250))).toMatchObject({
      done: 250,
      ok: true,
      batches: 3,
    });
    expect(starts).toEqual([0, 100, 200]);
  });

  it('stops after DEPOSIT_RETRIES_MAX (64) deposits that buy no progress: 65 batches, then not ok', () => {
    expect(DEPOSIT_RETRIES_MAX).toBe(64); // docs/DECISIONS.md, deviation 3
    let deposits = 0;
    const exec = (plan: CallPlan): CallOutcome => outcome(plan, HvStatus.INSUFFICIENT_MEMORY, 0);
    const res = runBatches(
      exec,
      () => {
        deposits += 1;
        return DEPOSITED;
      },
      mapRequest(1000, true),
    );
    expect(res).toMatchObject({ ok: false, done: 0, batches: 65, depositedPages: 64 * 256 });
    expect(deposits).toBe(64);
  });

  it('renews the deposit budget whenever a rep completes (a long map keeps going)', () => {
    let calls = 0;
    // Every 60th batch completes one rep; the other 59 answer INSUFFICIENT_MEMORY with none.
    const exec = (plan: CallPlan): CallOutcome => {
      calls += 1;
      return calls % 60 === 0
        ? outcome(plan, HvStatus.INSUFFICIENT_MEMORY, 1)
        : outcome(plan, HvStatus.INSUFFICIENT_MEMORY, 0);
    };
    const res = runBatches(exec, () => DEPOSITED, mapRequest(3, true));
    expect(res).toMatchObject({ ok: true, done: 3, batches: 180 });
  });
});
