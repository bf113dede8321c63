import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { counterexampleFromJson, counterexampleJson, reproduce } from '../../src/check/Counterexample.js';
import type { CheckModel } from '../../src/check/CheckModel.js';
import type { CheckVariant } from '../../src/check/CheckVariant.js';
import { DEFAULT_MODEL_JSON } from '../../src/check/defaultModel.js';
import { loadCheckModel } from '../../src/check/loadCheckModel.js';
import { runCheck } from '../../src/check/runCheck.js';
import { PLANTED, REVIEW_POINT_VARIANTS, big4kModel } from './plantedVariants.js';

/**
 * The seed review thread: every point is a bug class the model expresses and, where it is a mistake a
 * driver can make at run time, one the checker finds. A point is one or more of: a planted variant
 * with the invariant that catches it (BFS, the default model or the model named, at most 12 steps,
 * the counterexample reproduces, and its message says what the row claims); a test of the place the
 * model expresses it (a layout refused when defined, a cost, a number space), named by file and
 * title; a path the driver cannot reach, with the test of the refusal that closes it; or, for a point
 * about how C code is written, the file that holds the model's counterpart. Points 1 to 12 are the
 * table of inventory §e; the others are the thread's remaining remarks (the lines of
 * seed-review-thread.txt they start at), which §e lists in one line or not at all.
 */
type Row =
  | {
      readonly variant: string;
      readonly invariant: string;
      readonly model?: 'big4k';
      /** Part of the counterexample's message: where the row says it fires. */
      readonly message?: string;
    }
  | { readonly test: string; readonly title: string }
  | { readonly unreachable: string; readonly test: string; readonly title: string }
  | { readonly notAtRunTime: string; readonly file: string; readonly holds: string };

const POINTS: Readonly<Record<string, readonly Row[]>> = {
  '1': [
    { test: 'test/hv/flags/flags.test.ts', title: 'rejects the v5 patch layout, which allocated 65 bits' },
  ],
  // Found on MAP_GPA_PAGES's padding, the 4 bytes the NEW wrapper never writes either (deviation 7);
  // the thread's caller-built creation struct is the v2 pt_rsvd refusal.
  '2': [
    {
      variant: 'inputNotZeroed',
      invariant: 'inputPages',
      message: 'MAP_GPA_PAGES: reserved or padding bytes not zero: padding@20',
    },
    { test: 'test/runner/validationTable.test.ts', title: 'pt_rsvd not zero' },
  ],
  // The early exit is a failed hypercall leaving its window open; the first failure the default
  // model reaches is CREATE_VP answered INSUFFICIENT_MEMORY, whose deposit's window nests in it.
  '3': [
    { variant: 'earlyReturnInWindow', invariant: 'windows', message: 'interrupt window 4 is still open' },
  ],
  '4': [{ variant: 'everyPfnInLargeMode', invariant: 'inputPages', message: 'not a 2 MiB head page' }],
  '5': [
    { test: 'test/simulated/host.test.ts', title: 'checks a PFN range for RAM in one pass (review point 5)' },
  ],
  // The v5 code (509-rep batches, the map list's bound), and the alternative the thread turned down.
  '6': [
    {
      variant: 'unmapInMapBatches',
      invariant: 'unmapBatches',
      model: 'big4k',
      message: 'after a batch of 509 reps',
    },
    { variant: 'unbatchedUnmap', invariant: 'inputPages', model: 'big4k', message: '1024 reps in one call' },
  ],
  '7': [
    {
      variant: 'restoreBeforeCopy',
      invariant: 'windows',
      message: 'per-CPU output page was used with interrupts on',
    },
  ],
  '8': [
    {
      test: 'test/pipeline/engine.test.ts',
      title:
        'copies out only the output the call produced, header and completed reps, never what an earlier call left (review point 8)',
    },
  ],
  // The thread's idiom: the word masked before hv_repcomp(), so a rep call completes 0 reps (the MAP
  // loop sees SUCCESS without progress and the driver drops the region the hypervisor mapped); and
  // its inverse: the word tested whole, so a successful rep call's reps completed read as a status.
  '9': [
    { variant: 'maskBeforeRepcomp', invariant: 'refinement', message: "the driver's regions hold 0 pages" },
    { variant: 'unmaskedStatus', invariant: 'kernelErrno', message: 'which is no hypervisor status' },
  ],
  '10': [{ variant: 'fastCallInWindow', invariant: 'windows', message: 'fast call INITIALIZE_PARTITION' }],
  '11': [
    {
      unreachable:
        'MSHV_PT_ISOLATION has only NONE: no SNP partition exists, so the driver never issues ACQUIRE/RELEASE_SPARSE_SPA_PAGE_HOST_ACCESS',
      test: 'test/runner/validationTable.test.ts',
      title: 'CREATE_PARTITION: pt_isolation >= COUNT',
    },
  ],
  '12': [
    {
      test: 'test/cli/decode.test.ts',
      title: 'names the Marvell CN10K DPI ioctls as the foreign users of 0xB8',
    },
  ],
  // Line 89: a comment naming the DIAG and VTL modules, which the patch set did not have.
  'DIAG/VTL': [
    {
      test: 'test/cli/decode.test.ts',
      title: 'names both ioctls of the identical request 0x4008B825 and says the fd decides',
    },
  ],
  // Line 121: "Since MSHV does not support more than one async hypercall in flight".
  async: [{ variant: 'secondAsyncInFlight', invariant: 'asyncInFlight', message: 'asynchronous' }],
  // Line 133: the __percpu on the event ring tail pointer.
  percpu: [
    {
      test: 'test/pipeline/driver/doorbellIsr.test.ts',
      title: 'keeps one tail per CPU: a notification on CPU 1 drains from CPU 1 tail',
    },
  ],
  // Line 428: struct hv_vp_state_data (24 bytes) passed by value.
  'by value': [
    {
      notAtRunTime:
        'how C passes a 24-byte struct is no run-time behaviour; the model passes a read-only value',
      file: 'src/pipeline/driver/hvCallVpState.ts',
      holds: 'export interface VpStateData {\n  readonly type: number;',
    },
  ],
};

const BUDGET_STATES = 2_000;
const defaultModel = (): CheckModel =>
  loadCheckModel({ ...DEFAULT_MODEL_JSON, bounds: { ...DEFAULT_MODEL_JSON.bounds, states: BUDGET_STATES } });

const variants = new Map<string, CheckVariant>(
  [...PLANTED, ...REVIEW_POINT_VARIANTS].map((v) => [v.name, v]),
);

/** The review-point table of docs/guide/check.md: each row's first cell and its third. */
function docTable(): Map<string, string> {
  const doc = readFileSync('docs/guide/check.md', 'utf8');
  const start = doc.indexOf('| Point ');
  const lines = doc.slice(start).split('\n');
  const rows = lines.slice(
    2,
    lines.findIndex((l) => !l.startsWith('|')),
  );
  return new Map(
    rows.map((l) => {
      const cells = l.split(' | ').map((c) => c.replace(/^\|?\s*|\s*\|?$/g, ''));
      return [cells[0] ?? '', cells.slice(2).join(' | ')];
    }),
  );
}

/** Every file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)],
  );
}

describe('seed review points: each is expressed, and found when it is a run-time bug', () => {
  it('names all twelve points of inventory §e and the thread’s other remarks; every review-point variant is used', () => {
    expect(Object.keys(POINTS)).toEqual([
      ...['1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11', '12'],
      ...['DIAG/VTL', 'async', 'percpu', 'by value'],
    ]);
    const used = new Set(
      Object.values(POINTS).flatMap((rows) => rows.flatMap((r) => ('variant' in r ? [r.variant] : []))),
    );
    for (const v of REVIEW_POINT_VARIANTS) expect(used).toContain(v.name);
  });

  it('agrees with the review-point table of docs/guide/check.md', () => {
    const table = docTable();
    expect([...table.keys()]).toEqual(Object.keys(POINTS));
    for (const [point, rows] of Object.entries(POINTS)) {
      const cell = table.get(point) ?? '';
      const named = [...cell.matchAll(/`(\w+)` → `(\w+)`/g)].map((m) => `${m[1]} → ${m[2]}`);
      const planted = rows.flatMap((r) => ('variant' in r ? [`${r.variant} → ${r.invariant}`] : []));
      expect([point, named]).toEqual([point, planted]);
      for (const r of rows) {
        if ('test' in r) expect([point, cell]).toEqual([point, expect.stringContaining(r.test)]);
        if ('file' in r) expect([point, cell]).toEqual([point, expect.stringContaining(r.file)]);
        if ('unreachable' in r)
          expect([point, cell]).toEqual([point, expect.stringContaining('unreachable')]);
      }
    }
  });

  it('point 11 is unreachable: no driver file names the SNP host-access calls', () => {
    const named = filesUnder('src/pipeline').filter((f) =>
      /SparseSpaPageHostAccess|SPARSE_SPA_PAGE_HOST_ACCESS/.test(readFileSync(f, 'utf8')),
    );
    expect(named).toEqual([]);
  });

  for (const [point, rows] of Object.entries(POINTS))
    for (const row of rows) {
      if ('notAtRunTime' in row) {
        it(`point ${point} is not a run-time class; ${row.file} holds the model's counterpart`, () => {
          expect(readFileSync(row.file, 'utf8')).toContain(row.holds);
        });
        continue;
      }
      if ('test' in row) {
        it(`point ${point} is ${'unreachable' in row ? 'unreachable, closed' : 'expressed'} by "${row.title}" (${row.test})`, () => {
          expect(readFileSync(row.test, 'utf8')).toContain(`'${row.title}`);
        });
        continue;
      }
      it(`point ${point}: ${row.variant} breaks ${row.invariant}`, async () => {
        const variant = variants.get(row.variant);
        if (variant === undefined) throw new Error(`no variant ${row.variant}`);
        const model = row.model === 'big4k' ? big4kModel(BUDGET_STATES) : defaultModel();
        const r = await runCheck({ model, variant, strategy: 'bfs' });
        expect(r.verdict).toBe('violation');
        const cex = r.counterexample;
        if (cex === undefined) throw new Error('no counterexample');
        expect(cex.invariant).toBe(row.invariant);
        expect(cex.steps.length).toBeLessThanOrEqual(12);
        if (row.message !== undefined) expect(cex.message).toContain(row.message);
        expect(r.reproduced).toBe(true);
        const again = counterexampleFromJson(JSON.parse(JSON.stringify(counterexampleJson(cex))));
        expect(reproduce(again, variant)?.invariant).toBe(row.invariant);
        expect(reproduce(again)).toBeUndefined();
      });
    }

  it('the shipped stack is clean on the 4 MiB 4 KiB model of point 6, within the same budget', async () => {
    const shipped = await runCheck({ model: big4kModel(BUDGET_STATES), strategy: 'bfs' });
    expect(shipped.verdict).not.toBe('violation');
    expect(shipped.coverage.invariants.unmapBatches ?? 0).toBeGreaterThan(0);
  });
});
