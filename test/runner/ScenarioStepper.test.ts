import { describe, expect, it } from 'vitest';
import { ScenarioRunner } from '../../src/runner/ScenarioRunner.js';
import { SimWorld } from '../../src/runner/SimWorld.js';
import { describeFailure } from '../../src/runner/StepOutcome.js';
import { TraceRecorder } from '../../src/runner/TraceRecorder.js';
import { parseVpKey, vpKey } from '../../src/runner/vpKey.js';
import { loadScenario } from '../../src/scenario/loadScenario.js';
import { readScenarioFile } from '../../src/scenario/readScenarioFile.js';
import type { Scenario } from '../../src/scenario/Scenario.js';
import { runTraced } from './runTraced.js';

/** Load a scenario of `steps` (format 1, seed 1) with optional top-level fields. */
function scenario(steps: readonly object[], extra: object = {}): Scenario {
  return loadScenario({ format: 1, name: 't', seed: 1, ...extra, steps });
}

const run = runTraced;

const vm0 = [
  { op: 'createPartition', partition: 'vm0' },
  { op: 'initializePartition', partition: 'vm0' },
  { op: 'createVp', partition: 'vm0', vpIndex: 0 },
];

describe('runVp whose guest gives the VMM no exit (review finding 1)', () => {
  it.each([
    ['the documented default guest: []', {}, [{ op: 'runVp', partition: 'vm0', vpIndex: 0 }]],
    [
      'a HALT under the root scheduler (it blocks the VP inside the hypervisor)',
      { hypervisor: { scheduler: 'root' } },
      [{ op: 'runVp', partition: 'vm0', vpIndex: 0, guest: [{ exit: 'HALT' }] }],
    ],
  ])('%s fails the step as an outcome naming it, without a throw', (_, extra, run3) => {
    const { report, records } = run(scenario([...vm0, ...run3], extra));
    expect(report.outcomes.map((o) => o.actual)).toEqual(['ok', 'ok', 'ok', 'refused']);
    const f = report.failed!;
    expect(f.index).toBe(3);
    expect(describeFailure(f)).toMatch(
      /^step 3 \(runVp vm0\) expected ok but was not run: MSHV_RUN_VP on VP 0 would sleep forever: /,
    );
    // No MSHV_RUN_VP was issued: the records end with the createVp step's.
    expect(records.filter((r) => r.kind === 'ioctl').map((r) => r.name)).toEqual([
      'MSHV_CREATE_PARTITION',
      'MSHV_INITIALIZE_PARTITION',
      'MSHV_CREATE_VP',
    ]);
  });

  it('keeps the default meaningful: with "signal": true the empty script returns EINTR', () => {
    const { report } = run(
      scenario([...vm0, { op: 'runVp', partition: 'vm0', vpIndex: 0, signal: true, expect: 'EINTR' }]),
    );
    expect(report.failed).toBeUndefined();
  });

  it('runs the exits a script has and still refuses when nothing is left to wake the VP later', () => {
    const { report } = run(
      scenario([
        ...vm0,
        { op: 'runVp', partition: 'vm0', vpIndex: 0, guest: [{ exit: 'HALT' }] },
        { op: 'runVp', partition: 'vm0', vpIndex: 0 },
      ]),
    );
    expect(report.outcomes[3]).toMatchObject({ actual: 'ok', detail: 'exits: X64_HALT' });
    expect(report.failed).toMatchObject({ index: 4, actual: 'refused', detail: 'no exits' });
  });
});

describe('VPs are keyed by the pair (partition, vpIndex) (review finding 2)', () => {
  const ab = [
    { op: 'createPartition', partition: 'a' },
    { op: 'initializePartition', partition: 'a' },
    { op: 'createPartition', partition: 'a/b' },
    { op: 'initializePartition', partition: 'a/b' },
    { op: 'createVp', partition: 'a/b', vpIndex: 0 },
  ];

  it("closing 'a' leaves the VPs of 'a/b' open", () => {
    const { report } = run(
      scenario([
        ...ab,
        { op: 'closePartition', partition: 'a' },
        { op: 'runVp', partition: 'a/b', vpIndex: 0, guest: [{ exit: 'HALT' }] },
        { op: 'closePartition', partition: 'a/b' },
      ]),
    );
    expect(report.failed).toBeUndefined();
  });

  it("closing 'a/b' closes its VP fd by its index (the log's operation names vp 0, not NaN)", () => {
    const s = scenario([
      ...ab,
      { op: 'closePartition', partition: 'a' },
      { op: 'closePartition', partition: 'a/b' },
    ]);
    const begun: { name: string; vp: number | null; partition: string }[] = [];
    const world = new SimWorld(s, new TraceRecorder());
    const runner = new ScenarioRunner(s, world, undefined, undefined, {
      step: () => undefined,
      begin: (op) => {
        begun.push({ name: op.name, vp: op.vp, partition: op.partition });
      },
      end: () => undefined,
    });
    expect(runner.runToEnd().failed).toBeUndefined();
    expect(begun.filter((o) => o.name === 'close')).toEqual([
      { name: 'close', vp: null, partition: 'a' },
      { name: 'close', vp: 0, partition: 'a/b' },
      { name: 'close', vp: null, partition: 'a/b' },
    ]);
    expect(runner.cursor().vps).toEqual([]);
  });

  it('writes and reads the pair back through the last slash', () => {
    expect(vpKey('a/b', 7)).toBe('a/b/7');
    expect(parseVpKey('a/b/7')).toEqual({ partition: 'a/b', vpIndex: 7 });
    expect(parseVpKey('a/b')).toBeUndefined();
    expect(parseVpKey('vm0/07')).toBeUndefined();
  });
});

describe('a second createPartition of an open name (review finding 4)', () => {
  it('is refused by the runner too, for a Scenario built in code, naming the open fd', () => {
    const loaded = scenario(vm0);
    const again = { ...loaded.steps[0]! };
    const s: Scenario = { ...loaded, steps: [...loaded.steps, again] };
    const { report, records } = run(s);
    expect(report.failed).toMatchObject({ index: 3, actual: 'refused' });
    expect(describeFailure(report.failed!)).toBe(
      "step 3 (createPartition vm0) expected ok but was not run: partition 'vm0' is already open (fd 3); close it (closePartition) before creating it again, or use another name",
    );
    expect(records.filter((r) => r.name === 'MSHV_CREATE_PARTITION')).toHaveLength(1);
  });

  it('runs a create expected to fail under the open name and leaves the name bound to the first', () => {
    const { report, world } = run(
      scenario([
        ...vm0,
        { op: 'createPartition', partition: 'vm0', flags: '0x8000000000000000', expect: 'EINVAL' },
        { op: 'closePartition', partition: 'vm0' },
      ]),
    );
    expect(report.failed).toBeUndefined();
    expect(world.device.partitions()).toEqual([]);
  });
});

describe('writeEventfd names the partition owning the irqfd (review finding 7)', () => {
  const twoVms = (writer: string) =>
    scenario([
      { op: 'createPartition', partition: 'vm0', flags: ['LAPIC', 'X2APIC'] },
      { op: 'initializePartition', partition: 'vm0' },
      { op: 'createVp', partition: 'vm0', vpIndex: 0 },
      { op: 'createPartition', partition: 'vm1', flags: ['LAPIC', 'X2APIC'] },
      { op: 'initializePartition', partition: 'vm1' },
      { op: 'createVp', partition: 'vm1', vpIndex: 0 },
      { op: 'setMsiRouting', partition: 'vm1', entries: [{ gsi: 0, addressLo: '0xfee00000', data: '0x30' }] },
      { op: 'irqfd', partition: 'vm1', fd: 7, gsi: 0 },
      { op: 'writeEventfd', partition: writer, fd: 7 },
    ]);

  it.each(['vm0', 'vm1'])('labels the injection vm1 when the step names %s', (writer) => {
    const { report, records } = run(twoVms(writer));
    expect(report.failed).toBeUndefined();
    const assert = records.filter((r) => r.name === 'ASSERT_VIRTUAL_INTERRUPT');
    expect(assert).toHaveLength(1);
    expect(assert[0]).toMatchObject({ partition: 'vm1' });
    // The partition id in the input is vm1's: its CREATE_PARTITION's output.
    const creates = records.filter((r) => r.name === 'CREATE_PARTITION');
    const vm1Id = (creates[1]!.output as string).slice(0, 16);
    expect((assert[0]!.input as string).slice(0, 16)).toBe(vm1Id);
  });
});

describe('resamplefd names a scenario eventfd like fd, 0 included (review finding 8)', () => {
  const resample = (fields: object) =>
    scenario([
      { op: 'createPartition', partition: 'vm0', flags: ['LAPIC', 'X2APIC'] },
      { op: 'initializePartition', partition: 'vm0' },
      { op: 'createVp', partition: 'vm0', vpIndex: 0 },
      {
        op: 'setMsiRouting',
        partition: 'vm0',
        entries: [{ gsi: 1, addressLo: '0xfee00000', data: '0x8031' }],
      },
      { op: 'irqfd', partition: 'vm0', fd: 1, gsi: 1, flags: ['RESAMPLE'], ...fields },
    ]);

  it('resamplefd: 0 is scenario eventfd 0 (it was passed as raw fd 0: EBADF)', () => {
    expect(run(resample({ resamplefd: 0 })).report.failed).toBeUndefined();
    expect(run(resample({ resamplefd: 2 })).report.failed).toBeUndefined();
  });

  it('an absent resamplefd is none (the zeroed struct), so RESAMPLE without one is EBADF', () => {
    expect(resample({}).steps[4]).not.toHaveProperty('resamplefd');
    const { report } = run(resample({}));
    expect(report.failed).toMatchObject({ index: 4, actual: 'EBADF' });
  });

  it('a negative resamplefd still passes as is (a bad fd)', () => {
    expect(run(resample({ resamplefd: -1 })).report.failed).toMatchObject({ index: 4, actual: 'EBADF' });
  });
});

describe('migrateUserPages during nextFaultIn (docs/scenarios/movable-fault-in-race.json)', () => {
  it('the arming step says so, a second is EBUSY, and the runVp steps whose fault-in the migration raced say so too', async () => {
    const s = await readScenarioFile('docs/scenarios/movable-fault-in-race.json');
    const { report } = run(s);
    expect(report.failed).toBeUndefined();
    const detail = (i: number): string | undefined => report.outcomes[i]?.detail;
    expect([detail(4), report.outcomes[5]?.actual]).toEqual(['armed to race the next fault-in', 'EBUSY']);
    for (const i of [6, 9])
      expect(detail(i)).toBe('exits: X64_IO_PORT_INTERCEPT; the armed migration raced a fault-in');
    expect(detail(7)).toMatch(/^1 movable region\(s\) notified \(0 remap\(s\) failed\), 16 pages moved/);
  });
});
