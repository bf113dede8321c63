import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/log/canonicalJson.js';
import { restoreRun, snapshotRun } from '../../src/runner/runSnapshot.js';
import { ScenarioRunner } from '../../src/runner/ScenarioRunner.js';
import { SimWorld } from '../../src/runner/SimWorld.js';
import { TraceRecorder } from '../../src/runner/TraceRecorder.js';
import { readScenarioFile } from '../../src/scenario/readScenarioFile.js';
import type { Scenario } from '../../src/scenario/Scenario.js';
import { stepMet } from '../../src/runner/StepOutcome.js';

const dir = 'docs/scenarios';
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .sort();

/** The uninterrupted run: trace lines, and after each step k the line count and the run snapshot text. */
function reference(
  scenario: Scenario,
  snapshots: boolean,
): { lines: string[]; at: number[]; texts: string[] } {
  const trace = new TraceRecorder();
  const world = new SimWorld(scenario, trace);
  const runner = new ScenarioRunner(scenario, world, trace);
  const at: number[] = [];
  const texts: string[] = [];
  const mark = (): void => {
    at.push(trace.lines().length);
    if (snapshots) texts.push(canonicalJson(snapshotRun(runner, world)));
  };
  mark();
  while (!runner.done) {
    expect(stepMet(runner.step())).toBe(true);
    mark();
  }
  expect(world.machine.audit().ok).toBe(true);
  return { lines: [...trace.lines()], at, texts };
}

describe('snapshot after any step, restore, run the rest: the same trace bytes (issue 5)', () => {
  it.each(files)('%s', async (file) => {
    const scenario = await readScenarioFile(join(dir, file));
    const ref = reference(scenario, true);
    // Taking snapshots does not change the run.
    expect(ref.lines).toEqual(reference(scenario, false).lines);
    for (let k = 0; k < ref.texts.length; k++) {
      const r = restoreRun(scenario, JSON.parse(ref.texts[k]!));
      if (!r.ok) throw r.error;
      const { runner, world, trace } = r.value;
      expect(runner.next).toBe(k);
      // Nothing lost on the way: the restored run snapshots to the same text.
      expect(canonicalJson(snapshotRun(runner, world)), `${file}: restored at ${k}`).toBe(ref.texts[k]);
      for (let j = k + 1; j < ref.texts.length; j++) {
        expect(stepMet(runner.step())).toBe(true);
        // The same later snapshots as the uninterrupted run.
        expect(canonicalJson(snapshotRun(runner, world)), `${file}: step ${j} after restoring at ${k}`).toBe(
          ref.texts[j],
        );
      }
      expect(runner.done).toBe(true);
      expect(trace!.lines().join('\n'), `${file}: trace after restoring at step ${k}`).toBe(
        ref.lines.slice(ref.at[k]).join('\n'),
      );
      const audit = world.machine.audit();
      expect(audit.ok).toBe(true);
      expect(world.device.env.windows.current).toBeNull();
    }
  });
});
