import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/log/canonicalJson.js';
import { restoreRun, snapshotRun } from '../../src/runner/runSnapshot.js';
import { ScenarioRunner } from '../../src/runner/ScenarioRunner.js';
import { SimWorld, type SimWorldOptions } from '../../src/runner/SimWorld.js';
import { TraceRecorder } from '../../src/runner/TraceRecorder.js';
import { readScenarioFile } from '../../src/scenario/readScenarioFile.js';
import type { Scenario, Step } from '../../src/scenario/Scenario.js';

/** Every step of every example scenario: the alphabet random runs draw contiguous slices from. */
let examples: Scenario[] = [];
beforeAll(async () => {
  const dir = 'docs/scenarios';
  const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  examples = await Promise.all(files.sort().map((f) => readScenarioFile(join(dir, f))));
});

const MiB = 1n << 20n;
const sliceArb = fc.record({ scenario: fc.nat(), from: fc.nat(), length: fc.integer({ min: 1, max: 12 }) });

function scenarioOf(
  seed: number,
  scheduler: 'core-smt' | 'root',
  slices: readonly { scenario: number; from: number; length: number }[],
): Scenario {
  const steps: Step[] = [];
  for (const s of slices) {
    const ex = examples[s.scenario % examples.length]!;
    const from = s.from % 2 === 0 ? 0 : s.from % ex.steps.length;
    steps.push(...ex.steps.slice(from, from + s.length));
  }
  return {
    format: 1,
    name: 'random',
    seed,
    hypervisor: { scheduler, faults: [] },
    hostMemory: [
      { kind: 'ram', userAddr: 0x7f00_0000_0000n, size: 64n * MiB, pageSize: 4096 },
      { kind: 'ram', userAddr: 0x7f40_0000_0000n, size: 64n * MiB, pageSize: 2097152 },
      { kind: 'mmio', userAddr: 0x7f80_0000_0000n, size: 64n << 10n, spa: 0xfe00_0000n },
    ],
    steps,
  };
}

/** Run the runner's remaining steps; what each returned, or the invariant that stopped the run. */
function finish(runner: ScenarioRunner): string[] {
  const out: string[] = [];
  while (!runner.done) {
    try {
      const o = runner.step();
      out.push(`${o.actual} ${o.detail}`);
    } catch (e) {
      out.push(`threw ${(e as Error).message}`);
      break;
    }
  }
  return out;
}

describe('property: a world restored from a snapshot after any step of a random run continues identically', () => {
  it('same outcomes, trace lines, final snapshot and audit (random faults, both scheduler kinds)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 31 }),
        fc.constantFrom<'core-smt' | 'root'>('core-smt', 'root'),
        fc.array(sliceArb, { minLength: 1, maxLength: 3 }),
        fc.nat(),
        fc.boolean(),
        (seed, scheduler, slices, cutAt, faulty) => {
          const scenario = scenarioOf(seed, scheduler, slices);
          const options: SimWorldOptions = faulty
            ? { randomFaults: { INSUFFICIENT_MEMORY: 0.05, TIME_OUT: 0.02, INVALID_PARTITION_STATE: 0.01 } }
            : {};
          const cut = cutAt % (scenario.steps.length + 1);
          const trace = new TraceRecorder();
          const world = new SimWorld(scenario, trace, options);
          const runner = new ScenarioRunner(scenario, world, trace);
          for (let i = 0; i < cut; i++) {
            try {
              runner.step();
            } catch {
              return; // an invariant stopped the run before the cut: nothing to restore
            }
          }
          const text = canonicalJson(snapshotRun(runner, world));
          const before = trace.lines().length;
          const restored = restoreRun(scenario, JSON.parse(text), options);
          if (!restored.ok) throw restored.error;
          const { runner: again, world: twin, trace: twinTrace } = restored.value;
          expect(canonicalJson(snapshotRun(again, twin))).toBe(text);
          const a = finish(runner);
          const b = finish(again);
          expect(b).toEqual(a);
          expect(twinTrace!.lines()).toEqual(trace.lines().slice(before));
          if (!a.at(-1)?.startsWith('threw')) {
            expect(twin.stateDigest()).toBe(world.stateDigest());
            expect(twin.fastStateDigest()).toBe(world.stateDigest());
          }
          expect(twin.machine.audit()).toEqual(world.machine.audit());
        },
      ),
      { numRuns: 40 },
    );
  });
});
