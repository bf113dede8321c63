import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { counterexampleFromJson, counterexampleJson, reproduce } from '../../src/check/Counterexample.js';
import type { CheckVariant } from '../../src/check/CheckVariant.js';
import { DEFAULT_MODEL_JSON } from '../../src/check/defaultModel.js';
import { loadCheckModel } from '../../src/check/loadCheckModel.js';
import { runCheck } from '../../src/check/runCheck.js';
import { PLANTED, REVIEW_POINT_VARIANTS } from './plantedVariants.js';

/**
 * The seed review thread (inventory §e): every point is a bug class the model expresses and, where it
 * is a mistake a driver can make at run time, one the checker finds. A point is either a planted
 * variant with the invariant that catches it (BFS, the default model or the model named, at most 12
 * steps, and the counterexample reproduces), or a test of the place the model expresses it (a layout
 * refused when defined, a cost, a number space), named by file and title.
 */
type Row =
  | { readonly variant: string; readonly invariant: string; readonly model?: 'big4k' }
  | { readonly test: string; readonly title: string };

const POINTS: Readonly<Record<number, Row>> = {
  1: { test: 'test/hv/flags/flags.test.ts', title: 'rejects the v5 patch layout, which allocated 65 bits' },
  2: { variant: 'inputNotZeroed', invariant: 'inputPages' },
  3: { variant: 'earlyReturnInWindow', invariant: 'windows' },
  4: { variant: 'everyPfnInLargeMode', invariant: 'inputPages' },
  5: {
    test: 'test/simulated/host.test.ts',
    title: 'checks a PFN range for RAM in one pass (review point 5)',
  },
  6: { variant: 'unbatchedUnmap', invariant: 'inputPages', model: 'big4k' },
  7: { variant: 'restoreBeforeCopy', invariant: 'windows' },
  8: {
    test: 'test/pipeline/engine.test.ts',
    title:
      'copies out only the output the call produced, header and completed reps, never what an earlier call left (review point 8)',
  },
  // The reps completed in bits 32-43 make a successful rep call's word non-zero: the driver fails it
  // with a "status" no hypervisor returns.
  9: { variant: 'unmaskedStatus', invariant: 'kernelErrno' },
  10: { variant: 'fastCallInWindow', invariant: 'windows' },
  11: { variant: 'earlyReturnInWindow', invariant: 'windows' },
  12: {
    test: 'test/cli/decode.test.ts',
    title: 'names the Marvell CN10K DPI ioctls as the foreign users of 0xB8',
  },
};

const BUDGET_STATES = 2_000;
const withBudget = (json: typeof DEFAULT_MODEL_JSON) =>
  loadCheckModel({ ...json, bounds: { ...json.bounds, states: BUDGET_STATES } });

/** The default model with a 4 MiB region of 4 KiB pages: 1,024 pages, two HV_UMAP_GPA_PAGES batches. */
function big4kModel() {
  const d = DEFAULT_MODEL_JSON;
  const [ram2m, ram4k] = d.world.hostMemory;
  return loadCheckModel({
    ...d,
    world: { ...d.world, hostMemory: [ram2m, { ...ram4k, size: '4MiB' }] },
    bounds: { ...d.bounds, states: BUDGET_STATES },
    intents: d.intents.map((i) =>
      i.intent === 'partition' && 'detail' in i.request && i.request.region === 'ram4k'
        ? { ...i, request: { ...i.request, detail: { ...i.request.detail, size: '0x400000' } } }
        : i,
    ),
  });
}

const variants = new Map<string, CheckVariant>(
  [...PLANTED, ...REVIEW_POINT_VARIANTS].map((v) => [v.name, v]),
);

describe('seed review points (inventory §e): each is expressed, and found when it is a run-time bug', () => {
  it('names all twelve points, and every review-point variant is used', () => {
    expect(Object.keys(POINTS).map(Number)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    const used = new Set(Object.values(POINTS).flatMap((r) => ('variant' in r ? [r.variant] : [])));
    for (const v of REVIEW_POINT_VARIANTS) expect(used).toContain(v.name);
  });

  for (const [point, row] of Object.entries(POINTS)) {
    if ('test' in row) {
      it(`point ${point} is expressed by "${row.title}" (${row.test})`, () => {
        expect(readFileSync(row.test, 'utf8')).toContain(`'${row.title}`);
      });
      continue;
    }
    it(`point ${point}: ${row.variant} breaks ${row.invariant}`, async () => {
      const variant = variants.get(row.variant);
      if (variant === undefined) throw new Error(`no variant ${row.variant}`);
      const model = row.model === 'big4k' ? big4kModel() : withBudget(DEFAULT_MODEL_JSON);
      const r = await runCheck({ model, variant, strategy: 'bfs' });
      expect(r.verdict).toBe('violation');
      const cex = r.counterexample;
      if (cex === undefined) throw new Error('no counterexample');
      expect(cex.invariant).toBe(row.invariant);
      expect(cex.steps.length).toBeLessThanOrEqual(12);
      expect(r.reproduced).toBe(true);
      const again = counterexampleFromJson(JSON.parse(JSON.stringify(counterexampleJson(cex))));
      expect(reproduce(again, variant)?.invariant).toBe(row.invariant);
      expect(reproduce(again)).toBeUndefined();
      if (row.model === 'big4k') {
        // The shipped stack is clean on the bigger model too, within the same budget.
        const shipped = await runCheck({ model, strategy: 'bfs' });
        expect(shipped.verdict).not.toBe('violation');
      }
    });
  }
});
