import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCheckModel } from '../../src/check/loadCheckModel.js';
import type { CheckModel } from '../../src/check/CheckModel.js';
import type { CheckVariant } from '../../src/check/CheckVariant.js';
import { DEFAULT_MODEL_JSON } from '../../src/check/defaultModel.js';
import { LIFECYCLE_RULES_MODEL_JSON } from '../../src/check/lifecycleRulesModel.js';
import {
  counterexampleFromJson,
  counterexampleJson,
  reproduce,
  worldJson,
} from '../../src/check/Counterexample.js';
import { runCheck } from '../../src/check/runCheck.js';
import { writeCounterexampleLog } from '../../src/check/writeCounterexampleLog.js';
import { openLog } from '../../src/log/LogReader.js';
import { replayLog } from '../../src/replay/replayLog.js';
import { LIFECYCLE_RULE_VARIANTS, PLANTED, REVIEW_POINT_VARIANTS, big4kModel } from './plantedVariants.js';

/**
 * The checker's self-test (issue 6): every planted variant is found by BFS on the default model
 * with a counterexample of at most 12 steps, within a deterministic budget of explored states (not
 * wall time), and the counterexample replays: from its file form, and as a log whose intent
 * records are the counterexample's intents with the world in the header.
 */
const BUDGET_STATES = 2_000;
const model = loadCheckModel({
  ...DEFAULT_MODEL_JSON,
  bounds: { ...DEFAULT_MODEL_JSON.bounds, states: BUDGET_STATES },
});

/** The invariant each variant is expected to break. */
const EXPECTED: Readonly<Record<string, string>> = {
  inputNotZeroed: 'inputPages',
  earlyReturnInWindow: 'windows',
  fastCallInWindow: 'windows',
  noDepositRetry: 'depositRetry',
  depositWithoutRetry: 'depositRetry',
  sameHeadInLargeMode: 'refinement',
  unmapIn2MUnits: 'failedMap',
  // RUN accepted in any phase. A RUN after the partition is finalized cannot be asked any more:
  // the control plane forgets a partition closed in full (EBADF, as for a closed fd). The shortest
  // counterexample is a RUN into a paused partition: MSHV_RUN_VP issued while it is not running.
  runAfterFinalize: 'runAfterFinalize',
  secondAsyncInFlight: 'asyncInFlight',
  impatientAsyncWait: 'asyncInFlight',
  leakedVpStatePage: 'vpPagesReleased',
};

const dir = mkdtempSync(join(tmpdir(), 'mshv-check-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/**
 * BFS finds `variant` on `model` within the budget, as a violation of `invariant` with at most 12
 * steps; the counterexample reproduces from its file form on the variant and not on the shipped
 * stack, and its log replays identically on the variant's stages.
 */
async function expectFound(
  model: CheckModel,
  variant: CheckVariant,
  invariant: string | undefined,
): Promise<void> {
  const r = await runCheck({ model, variant, strategy: 'bfs' });
  expect(r.verdict).toBe('violation');
  expect(r.states).toBeLessThanOrEqual(BUDGET_STATES);
  const cex = r.counterexample;
  if (cex === undefined) throw new Error('no counterexample');
  expect(cex.invariant).toBe(invariant);
  expect(cex.variant).toBe(variant.name);
  expect(cex.steps.length).toBeLessThanOrEqual(12);
  expect(cex.steps.length).toBeLessThanOrEqual(r.found?.path.length ?? 0);
  expect(r.reproduced).toBe(true);
  expect(cex.trace.at(-1)).toContain(`VIOLATED ${cex.invariant}`);

  // The file form reproduces on the variant, and not on the shipped stack.
  const again = counterexampleFromJson(JSON.parse(JSON.stringify(counterexampleJson(cex))));
  expect(again.intents).toEqual(cex.intents);
  expect(reproduce(again, variant)?.invariant).toBe(cex.invariant);
  expect(reproduce(again)).toBeUndefined();

  // The log: its intents are the counterexample's, its header carries the world and the variant.
  const file = join(dir, `${variant.name}.log`);
  expect(writeCounterexampleLog(cex, file, variant)?.invariant).toBe(cex.invariant);
  const log = openLog(file);
  try {
    const intents = [...log.records()].filter((s) => s.record.kind === 'intent').map((s) => s.record);
    expect(intents).toEqual(cex.intents.map((i) => ({ kind: 'intent', ...i })));
    const meta = log.header.meta as { world: unknown; check: { variant: string; invariant: string } };
    expect(meta.world).toEqual(JSON.parse(JSON.stringify(worldJson(cex.world))));
    expect(meta.check.variant).toBe(variant.name);
    expect(meta.check.invariant).toBe(cex.invariant);
  } finally {
    log.close();
  }
  // Replay re-runs it on the variant's stages (its armed faults are in the run meta's world).
  const stages = {
    ...(variant.machines === undefined ? {} : { machines: variant.machines }),
    ...(variant.world === undefined ? {} : { world: variant.world }),
    ...(variant.vmm === undefined ? {} : { vmmHooks: variant.vmm }),
  };
  expect(replayLog(file, stages).status).toBe('identical');
}

describe('planted variants: each is found, small, and replays', () => {
  it('covers every bug class of the issue', () => {
    expect(PLANTED.map((v) => v.name).sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  for (const variant of PLANTED)
    it(`${variant.name} breaks ${EXPECTED[variant.name] ?? '?'}`, () =>
      expectFound(model, variant, EXPECTED[variant.name]));
});

/**
 * The seed review's points planted as the mistake each was about (test/check/reviewPoints.test.ts
 * holds the table of points): each is found, small, and replays like the variants. The unmap
 * batch variants of point 6 show on the default model with a 4 MiB 4 KiB region and its unmap.
 */
const EXPECTED_REVIEW: Readonly<Record<string, { readonly invariant: string; readonly big4k?: true }>> = {
  everyPfnInLargeMode: { invariant: 'inputPages' },
  // A 1,024-page unmap as one call: over the batch capacity.
  unbatchedUnmap: { invariant: 'inputPages', big4k: true },
  // The v5 code: 509 + 509 + 6 reps; the second batch goes on after a batch short of 512.
  unmapInMapBatches: { invariant: 'unmapBatches', big4k: true },
  restoreBeforeCopy: { invariant: 'windows' },
  // Its failure carries the whole status word (0x2000000000) as the hypervisor status: the log
  // keeps it as the driver reported it, so this counterexample has a log that replays too.
  unmaskedStatus: { invariant: 'kernelErrno' },
  // Reps completed read from the masked word: the MAP loop sees no progress and drops the region.
  maskBeforeRepcomp: { invariant: 'refinement' },
};

describe('review-point variants: each is found, small, and replays', () => {
  it('covers every review-point variant', () => {
    expect(REVIEW_POINT_VARIANTS.map((v) => v.name).sort()).toEqual(Object.keys(EXPECTED_REVIEW).sort());
  });

  for (const variant of REVIEW_POINT_VARIANTS) {
    const expected = EXPECTED_REVIEW[variant.name];
    it(`${variant.name} breaks ${expected?.invariant ?? '?'}`, () =>
      expectFound(
        expected?.big4k === true ? big4kModel(BUDGET_STATES) : model,
        variant,
        expected?.invariant,
      ));
  }
});

/**
 * vmm-lifecycle-rules 3, 4, 7, 8, 9 and 11 (the rules review's finding F1: a planted break of each
 * used to give a clean verdict): each broken VMM is found on the lifecycle-rules model, by the
 * invariant that watches what the driver and the hypervisor did for that rule.
 */
const lifecycleModel = loadCheckModel({
  ...LIFECYCLE_RULES_MODEL_JSON,
  bounds: { ...LIFECYCLE_RULES_MODEL_JSON.bounds, states: BUDGET_STATES },
});

/** The invariant each lifecycle-rule variant is expected to break. */
const EXPECTED_LIFECYCLE: Readonly<Record<string, string>> = {
  // START with time frozen, READY, RUN: MSHV_RUN_VP while the hypervisor holds time frozen (rule 3).
  runWithTimeFrozen: 'frozenTimeRun',
  // CREATE_VP for a restore, READY, START before the clock is written, RUN (rules 3, 8).
  startBeforeClockRestored: 'clockNotRestored',
  // START, FREEZE_TIME, RUN: the same, reached the other way (rule 3).
  freezeWhileRunning: 'frozenTimeRun',
  // An OUT, its exit, RUN again: the hypervisor VP's RIP is still the exit's (rule 9).
  runWithoutSkippingPortIo: 'ripNotAdvanced',
  // RUN (it sleeps: the guest has nothing to report), SNAPSHOT (rule 11).
  snapshotNotQuiesced: 'snapshotWhileRunning',
  // ENABLE, one read-and-clear pass, DISABLE: the pass cleared every dirty bit (rule 7).
  disableWithoutMarkAll: 'dirtyNotMarkedAtDisable',
  // RUN (it sleeps), PAUSE: the park gives up with the run still in MSHV_RUN_VP (rule 4).
  kickNeverSent: 'liveness',
  // CREATE_VP, SET_STATE REGISTERS, SET_STATE MSRS before READY: MSRs written after registers (rule 8).
  restoreInAnyOrder: 'restoreOutOfOrder',
};

describe('lifecycle-rule variants: each is found on the lifecycle-rules model, small, and replays', () => {
  it('covers rules 3, 4, 7, 8, 9 and 11', () => {
    expect(LIFECYCLE_RULE_VARIANTS.map((v) => v.name).sort()).toEqual(Object.keys(EXPECTED_LIFECYCLE).sort());
  });

  for (const variant of LIFECYCLE_RULE_VARIANTS)
    it(`${variant.name} breaks ${EXPECTED_LIFECYCLE[variant.name] ?? '?'}`, () =>
      expectFound(lifecycleModel, variant, EXPECTED_LIFECYCLE[variant.name]));
});
