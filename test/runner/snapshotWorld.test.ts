import { describe, expect, it } from 'vitest';
import { SimulatedMachine } from '../../adapters/simulated/SimulatedMachine.js';
import { canonicalJson } from '../../src/log/canonicalJson.js';
import type { InputFiller } from '../../src/pipeline/fillInputPage.js';
import { HvPage } from '../../src/ports/HvPage.js';
import type { HypercallEvent, HypercallRecorder } from '../../src/pipeline/HypercallRecorder.js';
import { CountingRecorder } from '../../src/pipeline/HypercallRecorder.js';
import { SimWorld } from '../../src/runner/SimWorld.js';
import { TraceRecorder } from '../../src/runner/TraceRecorder.js';
import { WindowTracker } from '../../src/pipeline/WindowTracker.js';
import type { Scenario } from '../../src/scenario/Scenario.js';

const USER = 0x7f00_0000_0000n;

function scenario(over: Partial<Scenario> = {}): Scenario {
  return {
    format: 1,
    name: 'world',
    seed: 11,
    hypervisor: { scheduler: 'core-smt', faults: [] },
    hostMemory: [{ kind: 'ram', userAddr: USER, size: 64n << 20n, pageSize: 4096 }],
    steps: [],
    ...over,
  };
}

function twin(world: SimWorld, recorder: HypercallRecorder = new CountingRecorder()): SimWorld {
  const r = SimWorld.fromSnapshot(JSON.parse(canonicalJson(world.snapshot())), recorder);
  if (!r.ok) throw r.error;
  return r.value;
}

/** A partition (fd 3), initialized, with VP 0 (fd 4). */
function withVp(s: Scenario): SimWorld {
  const world = new SimWorld(s, new CountingRecorder());
  const dev = world.device;
  const pt = dev.createPartition({ ptFlags: 1n << 0n, ptIsolation: 0n });
  if (!pt.ok || pt.value !== 3) throw new Error('createPartition');
  if (!dev.initializePartition(3).ok) throw new Error('initializePartition');
  const vp = dev.createVp(3, 0);
  if (!vp.ok || vp.value !== 4) throw new Error('createVp');
  return world;
}

describe('world snapshots', () => {
  it.each(['core-smt', 'root'] as const)('keep a signal raised and not yet taken (%s)', (scheduler) => {
    const world = withVp(scenario({ hypervisor: { scheduler, faults: [] } }));
    world.raiseSignal(3, 0);
    const copy = twin(world);
    expect((world.snapshot() as { signals: unknown[] }).signals).toHaveLength(1);
    const a = world.device.runVp(4);
    const b = copy.device.runVp(4);
    expect(a.ok ? 'ok' : a.error.errnoName).toBe('EINTR');
    expect(b.ok ? 'ok' : b.error.errnoName).toBe('EINTR');
    expect(canonicalJson(copy.snapshot())).toBe(canonicalJson(world.snapshot()));
  });

  it('keep a queued guest script, and the fds and port ids continue where they were', () => {
    const world = withVp(scenario());
    world.setGuestScript(3, 0, [{ exit: 'IO_PORT', port: 0x3f8, write: true, size: 1, value: 65 }]);
    const copy = twin(world);
    for (const w of [world, copy]) {
      const run = w.device.runVp(4);
      expect(run.ok).toBe(true);
      expect(w.device.createEventfd()).toBe(5);
      const io = w.device.ioeventfd(3, { datamatch: 0n, addr: 0xfe00_0000n, len: 4, fd: 5, flags: 0 });
      expect(io.ok).toBe(true);
    }
    expect(canonicalJson(copy.snapshot())).toBe(canonicalJson(world.snapshot()));
  });

  it('keep stale per-CPU page bytes: a planted forgotten memset fails the same way after a restore', () => {
    // A driver that writes the named fields but leaves reserved and padding bytes as they were.
    const forgetful: InputFiller = (plan, page, from, count) => {
      const layout = plan.def.input;
      if (layout === undefined) throw new Error(`${plan.def.name}: no layout`);
      const scratch = new HvPage();
      layout.encode(plan.header, scratch.view, 0);
      const reserved = new Set<number>();
      for (const r of layout.reservedRanges)
        for (let i = r.offset; i < r.offset + r.size; i++) reserved.add(i);
      for (let i = 0; i < layout.size; i++) if (!reserved.has(i)) page.bytes[i] = scratch.bytes[i] ?? 0;
      if (plan.list !== undefined && count > 0) plan.list.write(page, layout.size, from, count);
    };
    const map = { size: 2n << 20n, guestPfn: 0n, userspaceAddr: USER, flags: 3 };
    for (const stale of [false, true]) {
      const world = new SimWorld(scenario(), new CountingRecorder(), { fill: forgetful });
      expect(world.device.createPartition({ ptFlags: 1n, ptIsolation: 0n }).ok).toBe(true);
      expect(world.device.initializePartition(3).ok).toBe(true);
      // What an earlier call left in MAP_GPA_PAGES' padding (bytes 20-23 of the input page).
      if (stale) world.machine.cpuPages(0).input.bytes.fill(0xa5, 20, 24);
      const restored = SimWorld.fromSnapshot(
        JSON.parse(canonicalJson(world.snapshot())),
        new CountingRecorder(),
        { fill: forgetful },
      );
      if (!restored.ok) throw restored.error;
      const answers = [world, restored.value].map((w) => {
        const r = w.device.setGuestMemory(3, map);
        return r.ok ? 'ok' : `${r.error.errnoName} ${String(r.error.hvStatus)}`;
      });
      expect(answers[1]).toBe(answers[0]);
      expect(answers[0] === 'ok').toBe(!stale);
    }
  });

  it('refuse to be taken inside an interrupt window (a snapshot is between ioctls)', () => {
    const holder: { world?: SimWorld } = {};
    let refused: unknown;
    const recorder: HypercallRecorder = {
      wantsBytes: false,
      record(e: HypercallEvent) {
        if (e.window !== null && refused === undefined && holder.world !== undefined) {
          try {
            holder.world.snapshot();
          } catch (err) {
            refused = err;
          }
        }
      },
    };
    const world = new SimWorld(scenario(), recorder);
    holder.world = world;
    world.device.createPartition({ ptFlags: 1n, ptIsolation: 0n });
    expect(world.device.initializePartition(3).ok).toBe(true);
    expect(String(refused)).toMatch(/interrupt window \d+ is open|an ioctl is in progress/);
  });

  it('window counters and trace cursors are only taken between windows and ioctls', () => {
    const w = new WindowTracker();
    w.close(w.open());
    const id = w.open();
    expect(() => w.save()).toThrow(`interrupt window ${id} is open`);
    w.close(id);
    const again = WindowTracker.restore(w.save());
    expect(again.open()).toBe(3);
    const t = new TraceRecorder();
    t.beginIoctl('vm0', 'MSHV_RUN_VP', 0);
    expect(() => t.cursor()).toThrow('inside MSHV_RUN_VP');
    t.endIoctl(0);
    expect(t.cursor()).toEqual({ seq: 1, partition: 'vm0' });
  });

  it('refuse to be taken inside an ioctl, also between its hypercalls and in fast calls', () => {
    const holder: { world?: SimWorld } = {};
    const refused: string[] = [];
    const recorder: HypercallRecorder = {
      wantsBytes: false,
      record(e: HypercallEvent) {
        if (e.window === null && holder.world !== undefined) {
          try {
            holder.world.snapshot();
          } catch (err) {
            refused.push(`${e.name}: ${(err as Error).message}`);
          }
        }
      },
    };
    const world = new SimWorld(scenario(), recorder);
    holder.world = world;
    expect(world.device.createPartition({ ptFlags: 1n, ptIsolation: 0n }).ok).toBe(true);
    expect(world.device.initializePartition(3).ok).toBe(true);
    expect(refused).toContain('INITIALIZE_PARTITION: an ioctl is in progress: no snapshot inside an ioctl');
    expect(() => world.snapshot()).not.toThrow();
  });

  it.each([
    [4096, 16n << 30n],
    [2097152, 256n << 30n],
  ] as const)(
    'are sized by extents, not guest memory: %i-byte pages, %i bytes in a few runs',
    (pageSize, size) => {
      // Physically contiguous backing: the host, user and GPA maps hold a handful of extents.
      const machine = new SimulatedMachine({
        seed: 11,
        hostMemory: [{ kind: 'ram', userAddr: USER, size, pageSize }],
        fragmentation: { runPagesMean: 1 << 24, shortRunRate: 0, hugeRunChunksMax: 1 << 20 },
      });
      const world = new SimWorld(machine, new CountingRecorder());
      const dev = world.device;
      expect(dev.createPartition({ ptFlags: pageSize === 4096 ? 0n : 1n << 2n, ptIsolation: 0n }).ok).toBe(
        true,
      );
      expect(dev.initializePartition(3).ok).toBe(true);
      expect(dev.setGuestMemory(3, { size, guestPfn: 0n, userspaceAddr: USER, flags: 3 }).ok).toBe(true);
      const gpaExtents = machine.partitionCounters(machine.partitions()[1]!.id)!.gpaExtents;
      expect(gpaExtents).toBeLessThan(16);
      const text = canonicalJson(world.snapshot());
      // Fixed parts (per-CPU pages, SynIC, knobs) plus a few bytes per extent.
      expect(text.length).toBeLessThan(16 * 1024);
      expect(twin(world).stateDigest()).toBe(world.stateDigest());
    },
  );

  it('grow by a few bytes per extent on a fragmented host', () => {
    const size = 4n << 30n;
    const machine = new SimulatedMachine({
      seed: 11,
      hostMemory: [{ kind: 'ram', userAddr: USER, size, pageSize: 4096 }],
      fragmentation: { runPagesMean: 256 },
    });
    const world = new SimWorld(machine, new CountingRecorder());
    const dev = world.device;
    expect(dev.createPartition({ ptFlags: 0n, ptIsolation: 0n }).ok).toBe(true);
    expect(dev.initializePartition(3).ok).toBe(true);
    expect(dev.setGuestMemory(3, { size, guestPfn: 0n, userspaceAddr: USER, flags: 3 }).ok).toBe(true);
    const extents =
      machine.hostExtentCount + machine.partitionCounters(machine.partitions()[1]!.id)!.gpaExtents;
    expect(extents).toBeGreaterThan(4000);
    const text = canonicalJson(world.snapshot());
    // GPA, host, resident and region runs: one of each per physical run, ~12 bytes apiece.
    expect(text.length / extents).toBeLessThan(32);
  });
});
