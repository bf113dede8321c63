import { describe, expect, it } from 'vitest';
import type { CheckVariant } from '../../src/check/CheckVariant.js';
import { CheckWorld } from '../../src/check/CheckWorld.js';
import { counterexampleFromJson, counterexampleJson, reproduce } from '../../src/check/Counterexample.js';
import { DEFAULT_MODEL_JSON, defaultModel } from '../../src/check/defaultModel.js';
import { loadCheckModel } from '../../src/check/loadCheckModel.js';
import { runCheck } from '../../src/check/runCheck.js';
import { controlPlaneDigest } from '../../src/check/stateDigest.js';
import type { Step } from '../../src/check/Step.js';
import { HvStatus } from '../../src/hv/HvStatus.js';
import { SetVpRegisters } from '../../src/hv/hypercalls/SetVpRegisters.js';
import { WithdrawMemory } from '../../src/hv/hypercalls/WithdrawMemory.js';
import { unwindPartialMap } from '../../src/pipeline/driver/mapRegion.js';
import type { Executor } from '../../src/pipeline/Executor.js';
import { withDepositRetry } from '../../src/pipeline/withDepositRetry.js';

/**
 * Two blind spots a mutation run of the driver model found (docs/guide/check.md, Self-test): a run
 * that returns with its VP still running in the hypervisor (a stale `kicked_by_hv`, a signal path
 * without the explicit suspend), which no invariant judged, and a pin a failed map left behind, which
 * conservation judges but the state digest hashed as the state before the map, so BFS never closed
 * the partition after it; and withdrawn pages the driver never frees, which conservation did not
 * count. Each is planted here through the extension points and found.
 */

const BUDGET_STATES = 2_000;
const model = loadCheckModel({
  ...DEFAULT_MODEL_JSON,
  bounds: { ...DEFAULT_MODEL_JSON.bounds, states: BUDGET_STATES },
});

/**
 * Inventory §c.6 step 3 skipped: on a signal the driver does not suspend the VP explicitly (its one
 * SET_VP_REGISTERS of EXPLICIT_SUSPEND = 1 answers SUCCESS without reaching the hypervisor), reads
 * INTERCEPT_SUSPEND (clear) and returns -EINTR with the VP running on.
 */
const noSuspendOnSignal: CheckVariant = {
  name: 'noSuspendOnSignal',
  world: {
    wrapExecutor: (routed, deposit): Executor =>
      withDepositRetry((plan) => {
        if (plan.def === SetVpRegisters && plan.op === 'MSHV_RUN_VP' && plan.repCount === 1)
          return { plan, result: HvStatus.SUCCESS, repsCompleted: 1, output: undefined, depositedPages: 0 };
        return routed(plan);
      }, deposit),
  },
};

/** A failed map whose unwind pins the region again (a retried pin): the pin outlives the region. */
const pinAfterFailedMap: CheckVariant = {
  name: 'pinAfterFailedMap',
  world: {
    hooks: {
      unwindPartialMap: (env, pt, region, done, chunk, mappedPages) => {
        unwindPartialMap(env, pt, region, done, chunk, mappedPages);
        env.host.pinUserRange(region.userAddr, region.pages);
      },
    },
  },
};

/**
 * A withdraw whose last page is never freed (mutant M10: the driver frees one page fewer than the
 * hypervisor handed back): the hypervisor's books are right, the page stays the kernel's.
 */
const leakWithdrawn: CheckVariant = {
  name: 'leakWithdrawn',
  world: {
    // WITHDRAW_MEMORY loops on its own (withdrawAll), so it runs on the list executor.
    wrapListExecutor:
      (routed): Executor =>
      (plan) => {
        const r = routed(plan);
        return plan.def === WithdrawMemory && r.repsCompleted > 0
          ? { ...r, repsCompleted: r.repsCompleted - 1 }
          : r;
      },
  },
};

async function expectFound(variant: CheckVariant, invariant: string, maxSteps: number): Promise<void> {
  const r = await runCheck({ model, variant, strategy: 'bfs' });
  expect(r.verdict).toBe('violation');
  const cex = r.counterexample;
  if (cex === undefined) throw new Error('no counterexample');
  expect(cex.invariant).toBe(invariant);
  expect(cex.steps.length).toBeLessThanOrEqual(maxSteps);
  expect(r.reproduced).toBe(true);
  const again = counterexampleFromJson(JSON.parse(JSON.stringify(counterexampleJson(cex))));
  expect(reproduce(again, variant)?.invariant).toBe(invariant);
  expect(reproduce(again)).toBeUndefined();
}

const intent = (name: string, args: unknown): Step => ({ kind: 'intent', name, args: args as never });
const partition = (request: object): Step => intent('partition', { key: 'vm0', request });
const INITIALIZED: Step[] = [
  intent('createPartition', { key: 'vm0', args: { ptFlags: '0x7', ptIsolation: '0x0' } }),
  partition({ type: 'INITIALIZE' }),
];
const FAILED_MAP: Step[] = [
  // The resumed MAP_GPA_PAGES of the 64 MiB region is refused: the map fails part-way and unwinds.
  { kind: 'fault', call: 'MAP_GPA_PAGES', status: HvStatus.ACCESS_DENIED, skip: 1 },
  partition({
    type: 'MAP_MEMORY',
    region: 'ram2m',
    detail: { guestPfn: '0x0', size: '0x4000000', userAddr: '0x7f0000000000', flags: 3 },
  }),
];

function digestAfter(steps: readonly Step[], variant?: CheckVariant): string {
  const w = new CheckWorld({ world: defaultModel().world, variant });
  for (const s of steps) w.run(s);
  return controlPlaneDigest(w, { partitions: true, vps: true });
}

describe('mutation blind spots of the checker, now found', () => {
  it('runningWithoutThread finds a run that returns -EINTR without suspending the VP (§c.6 step 3)', async () => {
    await expectFound(noSuspendOnSignal, 'runningWithoutThread', 8);
  }, 60_000);

  it('a pin left by a failed map is a state of its own, so conservation judges the close after it', async () => {
    // The shipped failed map unpins: its state is the one before the map.
    expect(digestAfter([...INITIALIZED, ...FAILED_MAP])).toBe(digestAfter(INITIALIZED));
    expect(digestAfter([...INITIALIZED, ...FAILED_MAP], pinAfterFailedMap)).not.toBe(
      digestAfter(INITIALIZED, pinAfterFailedMap),
    );
    await expectFound(pinAfterFailedMap, 'conservation', 4);
  }, 60_000);

  it('conservation finds withdrawn pages the driver never freed: the kernel holds what it held before the first partition', async () => {
    await expectFound(leakWithdrawn, 'conservation', 4);
  }, 60_000);
});
