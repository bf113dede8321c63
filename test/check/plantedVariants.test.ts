import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCheckModel } from '../../src/check/loadCheckModel.js';
import { DEFAULT_MODEL_JSON } from '../../src/check/defaultModel.js';
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
import { PLANTED } from './plantedVariants.js';

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

describe('planted variants: each is found, small, and replays', () => {
  it('covers every bug class of the issue', () => {
    expect(PLANTED.map((v) => v.name).sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  for (const variant of PLANTED) {
    it(`${variant.name} breaks ${EXPECTED[variant.name] ?? '?'}`, async () => {
      const r = await runCheck({ model, variant, strategy: 'bfs' });
      expect(r.verdict).toBe('violation');
      expect(r.states).toBeLessThanOrEqual(BUDGET_STATES);
      const cex = r.counterexample;
      if (cex === undefined) throw new Error('no counterexample');
      expect(cex.invariant).toBe(EXPECTED[variant.name]);
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
    });
  }
});
