import { describe, expect, it } from 'vitest';
import { applyIntent } from '../../src/runtime/applyIntent.js';
import { ControlPlane } from '../../src/runtime/ControlPlane.js';
import { MemorySink } from '../../src/runtime/RecordSink.js';
import { SinkRecorder } from '../../src/runtime/SinkRecorder.js';
import { MM_MIGRATE } from '../../src/runner/RunWorld.js';
import { SimWorld } from '../../src/runner/SimWorld.js';
import type { Scenario } from '../../src/scenario/Scenario.js';

const RAM = 0x7f00_0000_0000n;

function world(): { plane: ControlPlane; sink: MemorySink } {
  const scenario = {
    format: 1,
    name: 'migrate',
    seed: 5,
    hypervisor: { scheduler: 'core-smt', faults: [] },
    kernel: { ramRegions: 'movable' },
    hostMemory: [{ kind: 'ram', userAddr: RAM, size: 4n << 20n, pageSize: 4096 }],
    steps: [],
  } as unknown as Scenario;
  const sink = new MemorySink();
  const sim = new SimWorld(scenario, new SinkRecorder(sink));
  return { plane: new ControlPlane(sim, { sink }), sink };
}

describe('ControlPlane.migrateUserPages (world control: the host mm moves pages)', () => {
  it('is an intent and an mm-migrate operation whose result says what moved; with no partition nothing is notified', () => {
    const { plane, sink } = world();
    const r = plane.migrateUserPages(RAM, 0x4000n);
    expect(r).toEqual({
      status: 'done',
      value: { regions: 0, failed: 0, moved: 0, pinned: 0, mappedFreed: 0 },
    });
    expect(sink.records.map((x) => x.kind)).toEqual(['intent', 'operation', 'result']);
    expect(sink.records[0]).toMatchObject({
      name: 'migrateUserPages',
      args: { userAddr: '0x7f0000000000', size: '0x4000' },
    });
    expect(sink.records[1]).toMatchObject({ name: MM_MIGRATE, fd: null, partition: null });
  });

  it.each([
    [RAM + 0x800n, 0x1000n, 'userAddr 0x7f0000000800: not page aligned'],
    [RAM, 0n, 'size 0x0: not a non-zero multiple of 4 KiB'],
    [RAM, 0x1800n, 'size 0x1800: not a non-zero multiple of 4 KiB'],
    [(1n << 64n) - 0x1000n, 0x2000n, 'past the 64-bit address space'],
  ])(
    'refuses %s + %s EINVAL in the operation (logged, so a replay refuses it too)',
    (addr, size, message) => {
      const { plane, sink } = world();
      const r = plane.migrateUserPages(addr, size);
      expect(r).toMatchObject({ status: 'failed', error: { errnoName: 'EINVAL', op: MM_MIGRATE } });
      if (r.status === 'failed') expect(r.error.message).toContain(message);
      expect(sink.records.map((x) => x.kind)).toEqual(['intent', 'operation', 'result']);
    },
  );

  it('refuses a value no u64 holds before anything is recorded', () => {
    const { plane, sink } = world();
    expect(plane.migrateUserPages(-0x1000n, 0x1000n)).toEqual({
      status: 'rejected',
      errno: 'EINVAL',
      rule: 'u64',
    });
    expect(plane.migrateUserPages(RAM, 1n << 64n)).toEqual({
      status: 'rejected',
      errno: 'EINVAL',
      rule: 'u64',
    });
    expect(sink.records).toEqual([]);
  });

  it("during 'nextFaultIn' arms the migration: nothing moves now, a second is EBUSY (logged), and the intent records it", () => {
    const { plane, sink } = world();
    expect(plane.migrateUserPages(RAM, 0x4000n, 'nextFaultIn')).toEqual({
      status: 'done',
      value: { regions: 0, failed: 0, moved: 0, pinned: 0, mappedFreed: 0 },
    });
    expect(sink.records[0]).toMatchObject({
      name: 'migrateUserPages',
      args: { userAddr: '0x7f0000000000', size: '0x4000', during: 'nextFaultIn' },
    });
    expect(plane.migrateUserPages(RAM, 0x1000n, 'nextFaultIn')).toMatchObject({
      status: 'failed',
      error: { errnoName: 'EBUSY', op: MM_MIGRATE },
    });
    expect(sink.records.map((x) => x.kind)).toEqual([
      ...['intent', 'operation', 'result'],
      ...['intent', 'operation', 'result'],
    ]);
    // Migrating at once is still possible while one is armed.
    expect(plane.migrateUserPages(RAM, 0x1000n)).toMatchObject({ status: 'done' });
  });

  it('refuses a during that is not nextFaultIn before anything is recorded', () => {
    const { plane, sink } = world();
    expect(plane.migrateUserPages(RAM, 0x1000n, 'now' as 'nextFaultIn')).toEqual({
      status: 'rejected',
      errno: 'EINVAL',
      rule: 'during',
    });
    expect(sink.records).toEqual([]);
  });

  it('applyIntent re-runs a recorded during, and refuses another value naming the field', () => {
    const { plane, sink } = world();
    const args = { userAddr: '0x7f0000000000', size: '0x1000', during: 'nextFaultIn' };
    expect(applyIntent(plane, { name: 'migrateUserPages', args })).toMatchObject({ status: 'done' });
    expect(sink.records[0]).toMatchObject({ name: 'migrateUserPages', args });
    expect(() =>
      applyIntent(plane, { name: 'migrateUserPages', args: { ...args, during: 'later' } }),
    ).toThrow('migrateUserPages.args.during: expected one of nextFaultIn, got "later"');
  });
});
