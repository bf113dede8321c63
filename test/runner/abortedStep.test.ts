/**
 * A planned hypervisor answer the driver model cannot get past ends the run as a failed step, not a
 * throw (CLI review finding 1; docs/scenario-format.md, "How a run ends"): CALL_PENDING whose
 * completion comes after the driver's 64 rounds of 1 ms (the doc's "a delay beyond that fails the
 * step"), CALL_PENDING with no completion at all, SUCCESS planned on a rep call.
 */
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../src/runner/runScenario.js';
import { SimWorld } from '../../src/runner/SimWorld.js';
import { describeFailure, stepMet } from '../../src/runner/StepOutcome.js';
import { TraceRecorder } from '../../src/runner/TraceRecorder.js';
import { loadScenario } from '../../src/scenario/loadScenario.js';
import type { Scenario } from '../../src/scenario/Scenario.js';
import { runTraced } from './runTraced.js';

/**
 * SET_PARTITION_PROPERTY through the passthrough (the one asynchronous call, inventory §c.9) on a
 * created partition: a property that may be set before initialization.
 */
const setProperty = {
  op: 'rootHvcall',
  partition: 'vm0',
  code: 'SET_PARTITION_PROPERTY',
  input: '0000000000000000 01000100 00000000 0100000000000000',
};

const pending = (delay?: number): object => ({
  call: 'SET_PARTITION_PROPERTY',
  nth: 1,
  status: 'CALL_PENDING',
  ...(delay === undefined ? {} : { completionDelayNs: delay }),
});

const asyncScenario = (fault: object): Scenario =>
  loadScenario({
    format: 1,
    name: 'late',
    seed: 1,
    hypervisor: { faults: [fault] },
    steps: [{ op: 'createPartition', partition: 'vm0', flags: ['LAPIC'] }, setProperty],
  });

const mapScenario = loadScenario({
  format: 1,
  name: 'map',
  seed: 7,
  hypervisor: { faults: [{ call: 'MAP_GPA_PAGES', nth: 1, status: 'SUCCESS' }] },
  hostMemory: [{ userAddr: '0x7f0000000000', size: '4MiB', pageSize: '4K' }],
  steps: [
    { op: 'createPartition', partition: 'vm0' },
    { op: 'initializePartition', partition: 'vm0' },
    { op: 'setGuestMemory', partition: 'vm0', guestPfn: 0, size: '4MiB', userAddr: '0x7f0000000000' },
    { op: 'closePartition', partition: 'vm0' },
  ],
});

const run = runTraced;

describe('a step the driver model cannot finish fails as an outcome (finding 1)', () => {
  it.each([
    [
      'a completion 100 ms late (beyond the 64 rounds of 1 ms)',
      asyncScenario(pending(100_000_000)),
      1,
      'MSHV_ROOT_HVCALL',
      /^step 1 \(rootHvcall vm0\) expected ok but never returned: SET_PARTITION_PROPERTY call 1 completes 100000000 ns late \(hypervisor\.faults completionDelayNs\), after the driver model's wait for HVMSG_ASYNC_CALL_COMPLETION gave up \(64 rounds of 1 ms/,
    ],
    [
      'CALL_PENDING with no completion',
      asyncScenario(pending()),
      1,
      'MSHV_ROOT_HVCALL',
      /^step 1 \(rootHvcall vm0\) expected ok but never returned: SET_PARTITION_PROPERTY call 1 answered CALL_PENDING \(hypervisor\.faults\) and no completion follows: the kernel would wait forever/,
    ],
    [
      'SUCCESS planned on MAP_GPA_PAGES (no rep completed)',
      mapScenario,
      2,
      'MSHV_SET_GUEST_MEMORY',
      /^step 2 \(setGuestMemory vm0\) expected ok but never returned: MAP_GPA_PAGES call 1 answered SUCCESS without running \(hypervisor\.faults\)/,
    ],
  ])('%s', (_, scenario, index, ioctl, message) => {
    const { report, records, world } = run(scenario);
    const f = report.failed;
    expect(f).toMatchObject({ index, actual: 'aborted' });
    expect(stepMet(f!)).toBe(false);
    expect(describeFailure(f!)).toMatch(message);
    // The driver model's own words stay in the detail.
    expect(f?.detail).toMatch(/no HVMSG_ASYNC_CALL_COMPLETION|SUCCESS with no progress/);
    // The trace keeps what ran: the open ioctl, closed as aborted, then the call it issued.
    const last = records.findLastIndex((r) => r.kind === 'ioctl');
    expect(records[last]).toMatchObject({ name: ioctl, result: 'none', aborted: f?.aborted });
    expect(records.slice(last + 1).length).toBeGreaterThan(0);
    expect(records.map((r) => r.seq)).toEqual(records.map((_r, i) => i + 1));
    // The machine is still whole: pages conserved, no window left open.
    expect(world.device.env.windows.current).toBeNull();
    expect(world.machine.audit().violations).toEqual([]);
  });

  it('a planned SUCCESS whose missing effect surfaces steps later aborts the later step, naming the fault', () => {
    // MAP_VP_STATE_PAGE answered without running: the VP's register page was never given, and the
    // run that reads it is where the driver model breaks, two steps on.
    const s = loadScenario({
      format: 1,
      name: 'late-success',
      seed: 5,
      hypervisor: { faults: [{ call: 'MAP_VP_STATE_PAGE', nth: 1, status: 'SUCCESS' }] },
      hostMemory: [{ userAddr: '0x7f0000000000', size: '2MiB', pageSize: '4K' }],
      steps: [
        { op: 'createPartition', partition: 'vm0', flags: ['LAPIC', 'X2APIC'] },
        { op: 'initializePartition', partition: 'vm0' },
        { op: 'createVp', partition: 'vm0', vpIndex: 0 },
        { op: 'runVp', partition: 'vm0', vpIndex: 0, guest: [{ exit: 'HALT' }] },
      ],
    });
    const f = run(s).report.failed;
    expect(f).toMatchObject({ actual: 'aborted' });
    expect(describeFailure(f!)).toMatch(
      /never returned: MAP_VP_STATE_PAGE call 1 answered SUCCESS without running \(hypervisor\.faults\).* \(at an earlier step\)$/,
    );
  });

  it("an unrelated throw after an earlier planned SUCCESS is still the tool's own (it throws, exit 3), not an aborted step", () => {
    const s = loadScenario({
      format: 1,
      name: 'success-then-bug',
      seed: 1,
      hypervisor: {
        faults: [
          { call: 'SET_PARTITION_PROPERTY', nth: 1, status: 'SUCCESS' },
          { call: 'SET_PARTITION_PROPERTY', nth: 2, status: 'CALL_PENDING', completionDelayNs: 3_000_000 },
        ],
      },
      steps: [
        { op: 'createPartition', partition: 'vm0', flags: ['LAPIC'] },
        { ...setProperty, partition: 'vm0' },
        { op: 'closePartition', partition: 'vm0' },
        { op: 'createPartition', partition: 'vm1', flags: ['LAPIC'] },
        { ...setProperty, partition: 'vm1' },
      ],
    });
    let calls = 0;
    const world = new SimWorld(s, new TraceRecorder(), {
      hooks: {
        asyncGateOpen: () => {
          calls += 1;
          if (calls >= 2) throw new TypeError('model bug');
          return true;
        },
      },
    });
    expect(() => runScenario(s, world)).toThrow('model bug');
  });

  it('a completion inside the wait (3 ms) still completes the step', () => {
    const { report } = run(asyncScenario(pending(3_000_000)));
    expect(report.failed).toBeUndefined();
  });

  it('a throw no planned fault explains still throws (a fault of the tool, not a step outcome)', () => {
    const s = asyncScenario(pending(3_000_000));
    const world = new SimWorld(s, new TraceRecorder(), {
      hooks: {
        asyncGateOpen: () => {
          throw new Error('model bug');
        },
      },
    });
    expect(() => runScenario(s, world)).toThrow('model bug');
  });
});
