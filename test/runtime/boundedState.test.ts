import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/log/canonicalJson.js';
import { LogWriter } from '../../src/log/LogWriter.js';
import { openLoggedPlane, planeRunMeta } from '../../src/replay/openLoggedPlane.js';
import { replayLog } from '../../src/replay/replayLog.js';
import { runHeader } from '../../src/replay/RunMeta.js';
import { ControlPlane } from '../../src/runtime/ControlPlane.js';
import { NULL_SINK } from '../../src/runtime/RecordSink.js';
import type { RequestOutcome } from '../../src/runtime/RequestOutcome.js';
import { SimWorld } from '../../src/runner/SimWorld.js';
import type { Scenario } from '../../src/scenario/Scenario.js';

const MiB = 1n << 20n;
const RAM = 0x7f00_0000_0000n;

/** A world for a long-lived control plane: 16 MiB of 4 KiB-backed RAM, reused by each partition. */
const scenario: Scenario = {
  format: 1,
  name: 'bounded-state',
  seed: 3,
  hypervisor: { scheduler: 'core-smt', faults: [] },
  hostMemory: [{ kind: 'ram', userAddr: RAM, size: 16n * MiB, pageSize: 4096 }],
  steps: [],
};

function done(o: RequestOutcome): number | null {
  expect(o.status).toBe('done');
  return o.status === 'done' && typeof o.value === 'number' ? o.value : null;
}

/** One VM's life: create, initialize, map, a doorbell, two VPs run to their exits, close, the doorbell's eventfd closed. */
function vmLife(plane: ControlPlane, key: string): void {
  done(plane.createPartition(key, { ptFlags: 0n, ptIsolation: 0n }));
  done(plane.partition(key, { type: 'INITIALIZE' }));
  const bell = done(plane.eventfd()) ?? -1;
  done(
    plane.partition(key, {
      type: 'IOEVENTFD',
      assign: true,
      pio: false,
      detail: { fd: bell, addr: '0xf0000000', len: 4 },
    }),
  );
  done(
    plane.partition(key, {
      type: 'MAP_MEMORY',
      region: 'ram0',
      detail: {
        guestPfn: '0x0',
        size: `0x${(16n * MiB).toString(16)}`,
        userAddr: `0x${RAM.toString(16)}`,
        flags: 3,
      },
    }),
  );
  for (const vp of [0, 1]) {
    done(plane.partition(key, { type: 'CREATE_VP', vp }));
    done(plane.vp(key, vp, { type: 'READY' }));
  }
  done(plane.partition(key, { type: 'START' }));
  plane.guest(key, 0, [{ exit: 'CPUID', leaf: 1, subleaf: 0 }]);
  done(plane.vp(key, 0, { type: 'RUN' }));
  done(plane.partition(key, { type: 'CLOSE' }));
  done(plane.closeEventfd(bell));
}

/** Snapshot sizes (plane state, world) after `lives` VMs lived and closed one after another. */
function sizesAfter(lives: number): { plane: number; world: number } {
  const world = new SimWorld(scenario, { wantsBytes: false, record: () => undefined });
  const plane = new ControlPlane(world, { sink: NULL_SINK });
  for (let i = 0; i < lives; i++) vmLife(plane, `vm${i}`);
  expect(world.machine.audit().ok).toBe(true);
  return { plane: canonicalJson(plane.saveState()).length, world: canonicalJson(world.snapshot()).length };
}

describe('a long-lived control plane holds what is live, not every partition it ever made', () => {
  it('the plane state and the world snapshot after 150 closed VMs are the size they are after 3 (counters aside)', () => {
    const few = sizesAfter(3);
    const many = sizesAfter(150);
    // Only counters grow (op ids, fds, partition ids, the clock): a few digits, not a record per VM.
    expect(many.plane - few.plane).toBeLessThan(16);
    expect(many.world - few.world).toBeLessThan(64);
  });

  it('a key is free once its partition is closed in full: the same name makes a new partition', () => {
    const world = new SimWorld(scenario, { wantsBytes: false, record: () => undefined });
    const plane = new ControlPlane(world, { sink: NULL_SINK });
    vmLife(plane, 'vm0');
    expect(plane.partitionKeys()).toEqual([]);
    vmLife(plane, 'vm0');
    const again = plane.createPartition('vm0', { ptFlags: 0n, ptIsolation: 0n });
    expect(again.status).toBe('done');
    // A key in use is still refused.
    expect(plane.createPartition('vm0', { ptFlags: 0n, ptIsolation: 0n })).toEqual({
      status: 'rejected',
      errno: 'EEXIST',
      rule: 'partitionKeyFree',
    });
    expect(world.machine.model.all().filter((p) => !p.isRoot)).toHaveLength(1);
  });

  it('a logged run that reuses a key and closes its eventfds replays identically, from the start and from a snapshot', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mshv-bounded-'));
    try {
      const path = join(dir, 'run.log');
      const options = { snapshotEvery: 64 };
      const writer = LogWriter.create(path, runHeader(planeRunMeta(scenario, options), 'test'), {
        durability: 'normal',
      });
      const { plane } = openLoggedPlane(scenario, writer, options);
      for (let i = 0; i < 6; i++) vmLife(plane, `vm${i % 2}`);
      writer.close();
      expect(replayLog(path)).toMatchObject({ status: 'identical', complete: true });
      expect(replayLog(path, { from: 'snapshot' })).toMatchObject({ status: 'identical', complete: true });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
