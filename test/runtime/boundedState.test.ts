import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TransitionMemo } from '../../machines/TransitionMemo.js';
import { canonicalJson } from '../../src/log/canonicalJson.js';
import { openLog } from '../../src/log/LogReader.js';
import { LogWriter } from '../../src/log/LogWriter.js';
import { openLoggedPlane, planeRunMeta } from '../../src/replay/openLoggedPlane.js';
import { replayLog } from '../../src/replay/replayLog.js';
import { runHeader } from '../../src/replay/RunMeta.js';
import { ControlPlane } from '../../src/runtime/ControlPlane.js';
import { NULL_SINK } from '../../src/runtime/RecordSink.js';
import { SimWorld } from '../../src/runner/SimWorld.js';
import { churnWorld, vmLife } from '../replay/vmLife.js';

const scenario = churnWorld('bounded-state', 3);

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

  it("a logged plane steps through the caller's memo, and emptying it mid-run changes no record", () => {
    const dir = mkdtempSync(join(tmpdir(), 'mshv-bounded-'));
    try {
      const run = (name: string, clearBetween: boolean): { text: string; memo: TransitionMemo } => {
        const path = join(dir, name);
        const writer = LogWriter.create(path, runHeader(planeRunMeta(scenario, {}), 'test'), {
          durability: 'normal',
        });
        const memo = new TransitionMemo();
        const { plane } = openLoggedPlane(scenario, writer, { memo });
        for (let i = 0; i < 4; i++) {
          vmLife(plane, `vm${i % 2}`);
          if (clearBetween) memo.clear();
        }
        writer.close();
        expect(replayLog(path)).toMatchObject({ status: 'identical', complete: true });
        const log = openLog(path);
        const bodies = [...log.records()].map((r) => r.body);
        log.close();
        return { text: bodies.join('\n'), memo };
      };
      const kept = run('kept.log', false);
      const cleared = run('cleared.log', true);
      // The plane used the memo it was given: the second life's steps were answered from it.
      expect(kept.memo.stats.hits).toBeGreaterThan(0);
      expect(cleared.memo.stats.misses).toBeGreaterThan(kept.memo.stats.misses);
      expect(cleared.text).toBe(kept.text);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
