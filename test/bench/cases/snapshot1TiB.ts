/**
 * Bench: snapshot and restore of a world holding a 1 TiB guest of 4 KiB pages (the full stack:
 * driver, simulated hypervisor, host maps), against the time it takes to build that world. The
 * snapshot is sized by the extents and runs the world holds (host ownership, VMA residency, the GPA
 * map, the region's pinned runs), never by the 2^28 guest pages; every figure is measured in this
 * run and the ratio is the one to watch.
 */
import { performance } from 'node:perf_hooks';
import { canonicalJson } from '../../../src/log/canonicalJson.js';
import { CountingRecorder } from '../../../src/pipeline/HypercallRecorder.js';
import { SimWorld } from '../../../src/runner/SimWorld.js';
import type { Scenario } from '../../../src/scenario/Scenario.js';
import { canonicalDigest, streamDigest } from '../../../src/snapshot/jsonDigest.js';

const TIB = 1n << 40n;
const USER = 0x7000_0000_0000n;

const scenario: Scenario = {
  format: 1,
  name: 'snapshot-1tib-4k',
  seed: 1,
  hypervisor: { scheduler: 'core-smt', faults: [] },
  hostMemory: [{ kind: 'ram', userAddr: USER, size: TIB, pageSize: 4096 }],
  steps: [],
};

/** Build the mapped 1 TiB world, snapshot it, write and parse the text, restore it, and time each part. */
export async function run(): Promise<Record<string, number>> {
  const t0 = performance.now();
  const world = new SimWorld(scenario, new CountingRecorder());
  const dev = world.device;
  const pt = dev.createPartition({ ptFlags: 0n, ptIsolation: 0n });
  if (!pt.ok) throw new Error(pt.error.message);
  if (!dev.initializePartition(pt.value).ok) throw new Error('initialize');
  const map = dev.setGuestMemory(pt.value, { size: TIB, guestPfn: 0n, userspaceAddr: USER, flags: 3 });
  if (!map.ok) throw new Error(map.error.message);
  const buildMs = performance.now() - t0;

  const gc = (globalThis as { gc?: () => void }).gc ?? ((): void => undefined);
  gc();
  const t1 = performance.now();
  const json = world.snapshot();
  const t2 = performance.now();
  const text = canonicalJson(json);
  const t3 = performance.now();
  const parsed: unknown = JSON.parse(text);
  const t4 = performance.now();
  const restored = SimWorld.fromSnapshot(parsed, new CountingRecorder());
  const t5 = performance.now();
  if (!restored.ok) throw restored.error;
  if (canonicalJson(restored.value.snapshot()) !== text)
    throw new Error('the restored world snapshots differently');

  // The restored world carries on: unmap the whole guest and tear it down, then audit.
  const unmap = restored.value.device.setGuestMemory(pt.value, {
    size: TIB,
    guestPfn: 0n,
    userspaceAddr: USER,
    flags: 4,
  });
  if (!unmap.ok) throw new Error(unmap.error.message);
  restored.value.device.close(pt.value);
  if (!restored.value.machine.audit().ok) throw new Error('audit failed after continuing the restored world');

  gc();
  const t6 = performance.now();
  const unverified = SimWorld.fromSnapshot(parsed, new CountingRecorder(), { verify: false });
  const t7 = performance.now();
  if (!unverified.ok) throw unverified.error;

  gc();
  const t8 = performance.now();
  const digest = world.stateDigest();
  const t9 = performance.now();
  const fast = world.fastStateDigest();
  const t10 = performance.now();
  if (fast !== digest || digest !== canonicalDigest(json) || fast !== streamDigest(parsed))
    throw new Error('digests differ');

  const snapshotMs = t2 - t1;
  const textMs = t3 - t2;
  const parseMs = t4 - t3;
  const restoreMs = t5 - t4;
  const round = (x: number): number => Math.round(x * 10) / 10;
  await Promise.resolve();
  return {
    guestPages: Number(TIB >> 12n),
    hostExtents: world.machine.hostExtentCount,
    gpaExtents: world.machine.partitionCounters(world.machine.partitions()[1]?.id ?? 0n)?.gpaExtents ?? 0,
    snapshotBytes: text.length,
    buildMs: Math.round(buildMs),
    snapshotMs: Math.round(snapshotMs),
    canonicalTextMs: Math.round(textMs),
    parseMs: Math.round(parseMs),
    restoreMs: Math.round(restoreMs),
    restoreUnverifiedMs: Math.round(t7 - t6),
    stateDigestMs: Math.round(t9 - t8),
    fastStateDigestMs: Math.round(t10 - t9),
    snapshotPlusRestoreMs: Math.round(snapshotMs + textMs + parseMs + restoreMs),
    snapshotPlusRestoreOverBuild: round((snapshotMs + textMs + parseMs + restoreMs) / buildMs),
  };
}
