import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CountingRecorder } from '../../src/pipeline/HypercallRecorder.js';
import { runScenario } from '../../src/runner/runScenario.js';
import { SimWorld } from '../../src/runner/SimWorld.js';
import { TraceRecorder } from '../../src/runner/TraceRecorder.js';
import { readScenarioFile } from '../../src/scenario/readScenarioFile.js';
import { loadScenario } from '../../src/scenario/loadScenario.js';
import type { Scenario } from '../../src/scenario/Scenario.js';

const dir = 'docs/scenarios';
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .sort();

function trace(scenario: Scenario): string[] {
  const t = new TraceRecorder();
  const world = new SimWorld(scenario, t);
  const report = runScenario(scenario, world, t);
  expect(report.failed).toBeUndefined();
  return [...t.lines()];
}

describe('example scenarios on the simulated stack', () => {
  it.each(files)('%s meets every expect and leaves the host conserved', async (file) => {
    const scenario = await readScenarioFile(join(dir, file));
    const world = new SimWorld(scenario, new CountingRecorder());
    const report = runScenario(scenario, world);
    expect(report.failed, JSON.stringify(report.failed)).toBeUndefined();
    expect(world.machine.audit().ok).toBe(true);
    expect(world.device.env.windows.current).toBeNull();
  });

  it.each(files)('%s traces byte-identically on every run (determinism contract)', async (file) => {
    const scenario = await readScenarioFile(join(dir, file));
    expect(trace(scenario).join('\n')).toBe(trace(scenario).join('\n'));
  });

  it('a different seed changes the host PFNs but not the ioctls (deposits may move: the cost model is seeded)', async () => {
    const scenario = await readScenarioFile(join(dir, 'boot-4k.json'));
    const a = trace(scenario);
    const b = trace({ ...scenario, seed: scenario.seed + 1 });
    const shape = (lines: string[]) =>
      lines
        .map((l) => JSON.parse(l) as { kind: string; name: string; result?: string })
        .filter((r) => r.kind === 'ioctl')
        .map((r) => `${r.name}=${r.result ?? ''}`);
    const maps = (lines: string[]) =>
      lines
        .filter((l) => l.includes('"MAP_GPA_PAGES"'))
        .map((l) => (JSON.parse(l) as { input: string }).input);
    expect(shape(a)).toEqual(shape(b));
    expect(maps(a)).not.toEqual(maps(b));
  });

  it('writes hypercall records with every contract field (scenario-format.md, Trace)', async () => {
    const scenario = await readScenarioFile(join(dir, 'boot-4k.json'));
    const lines = trace(scenario).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines[0]).toMatchObject({
      seq: 1,
      kind: 'ioctl',
      partition: 'vm0',
      name: 'MSHV_CREATE_PARTITION',
      request: '0x4010b800',
    });
    const hc = lines.find((l) => l.kind === 'hypercall' && l.name === 'MAP_GPA_PAGES')!;
    expect(Object.keys(hc).sort()).toEqual(
      [
        'code',
        'control',
        'fast',
        'input',
        'kind',
        'name',
        'partition',
        'repCount',
        'repStart',
        'repsCompleted',
        'seq',
        'status',
        'window',
      ].sort(),
    );
    expect(hc).toMatchObject({ code: '0x004b', fast: false, repCount: 509 });
    expect((hc.control as string).length).toBe(18);
    // input = 24-byte header + 509 eight-byte PFNs
    expect((hc.input as string).length).toBe(2 * (24 + 509 * 8));
    const fast = lines.find((l) => l.kind === 'hypercall' && l.name === 'INITIALIZE_PARTITION')!;
    expect(fast).toMatchObject({ fast: true, window: null });
    const seqs = lines.map((l) => l.seq as number);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
  });
});

describe('migrateUserPages in a trace (docs/scenario-format.md "Trace")', () => {
  it("traces the notifiers' remaps for the partition whose region they remap, whichever partition the step names", () => {
    const scenario = loadScenario({
      format: 1,
      name: 'migrate-trace',
      seed: 3,
      kernel: { ramRegions: 'movable' },
      hostMemory: [{ userAddr: '0x7f0000000000', size: '4MiB', pageSize: '4K' }],
      steps: [
        { op: 'createPartition', partition: 'vm0' },
        { op: 'initializePartition', partition: 'vm0' },
        { op: 'createPartition', partition: 'vm1' },
        { op: 'setGuestMemory', partition: 'vm0', guestPfn: '0x0', size: '4MiB', userAddr: '0x7f0000000000' },
        { op: 'createVp', partition: 'vm0', vpIndex: 0 },
        {
          op: 'runVp',
          partition: 'vm0',
          vpIndex: 0,
          guest: [
            { exit: 'MMIO', gpa: '0x1000', write: false, size: 4 },
            { exit: 'IO_PORT', port: '0x3f8', write: true, size: 1, value: 65 },
          ],
        },
        { op: 'migrateUserPages', partition: 'vm1', userAddr: '0x7f0000000000', size: '8KiB' },
      ],
    });
    const lines = trace(scenario).map(
      (l) => JSON.parse(l) as { kind: string; name?: string; partition?: string },
    );
    const remap = lines.at(-1);
    expect(remap).toMatchObject({ kind: 'hypercall', name: 'MAP_GPA_PAGES', partition: 'vm0' });
  });
});
