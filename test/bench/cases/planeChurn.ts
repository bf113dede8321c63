/**
 * A long-lived control plane (docs/DECISIONS.md, Host API item 15): one logged ControlPlane makes and
 * closes VMs one after another, each with a region, a doorbell whose eventfd it then closes, two VPs
 * and a guest exit, with a snapshot every 2,048 records, as an embedded VMM's log would be. Before the
 * plane, the driver model and the simulated hypervisor forgot closed partitions, every snapshot
 * carried every VM ever made: the run slowed quadratically and died at about 10,000 VMs.
 *
 * Metrics: lives; records; livesPerS; firstThirdMs and lastThirdMs (the same number of lives, early
 * and late); lastOverFirst (their ratio: about 1 when a life costs the same however many came
 * before, far above 1 when state grows with them); firstSnapshotBytes and lastSnapshotBytes (the
 * state a snapshot writes: the same when nothing accumulates); heapGrowthPerLifeBytes (heap after a
 * full collection, from the end of the first third to the end, per life, with the plane's transition
 * memo emptied before each reading: the memo holds at most `TransitionMemo.CAPACITY_DEFAULT` steps
 * and is dropped whole when full, so over a few thousand lives its filling would read as growth);
 * memoBytesAtEnd (what the memo held at the end: the heap before emptying it less the heap after).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { TransitionMemo } from '../../../machines/TransitionMemo.js';
import { openLog } from '../../../src/log/LogReader.js';
import { LogWriter } from '../../../src/log/LogWriter.js';
import { openLoggedPlane, planeRunMeta } from '../../../src/replay/openLoggedPlane.js';
import { COMPARED_KINDS } from '../../../src/replay/ReplaySource.js';
import { runHeader } from '../../../src/replay/RunMeta.js';
import { churnWorld, vmLife } from '../../replay/vmLife.js';

const LIVES = 3_000;
const SNAPSHOT_EVERY = 2048;
const world = churnWorld('bench-plane-churn', 9);

function settledHeapBytes(): number {
  const gc = globalThis.gc;
  if (gc === undefined) throw new Error('the plane-churn bench needs node --expose-gc');
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/** The settled heap with the memo emptied, and what the memo held. */
function heapWithoutMemo(memo: TransitionMemo): { readonly heap: number; readonly memo: number } {
  const full = settledHeapBytes();
  memo.clear();
  const heap = settledHeapBytes();
  return { heap, memo: full - heap };
}

export function run(): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), 'mshv-bench-churn-'));
  try {
    const path = join(dir, 'churn.log');
    const options = { snapshotEvery: SNAPSHOT_EVERY };
    const writer = LogWriter.create(path, runHeader(planeRunMeta(world, options), 'bench'), {
      durability: 'normal',
    });
    const memo = new TransitionMemo();
    const { plane } = openLoggedPlane(world, writer, { ...options, memo });
    const third = LIVES / 3;
    const thirds: number[] = [];
    let heapAfterFirst = 0;
    const t0 = performance.now();
    for (let t = 0; t < 3; t++) {
      const start = performance.now();
      for (let i = t * third; i < (t + 1) * third; i++) vmLife(plane, `vm${i}`);
      thirds.push(performance.now() - start);
      if (t === 0) heapAfterFirst = heapWithoutMemo(memo).heap;
    }
    const totalMs = performance.now() - t0;
    const end = heapWithoutMemo(memo);
    writer.close();
    const log = openLog(path);
    let records = 0;
    const snapshots: number[] = [];
    for (const r of log.records({
      verify: false,
      deferKinds: COMPARED_KINDS,
    })) {
      records += 1;
      if (r.kind === 'snapshot') snapshots.push(r.body.length);
    }
    log.close();
    const first = thirds[0] ?? 0;
    const last = thirds[2] ?? 0;
    return Promise.resolve({
      lives: LIVES,
      records,
      livesPerS: Math.round((LIVES / totalMs) * 1000),
      firstThirdMs: Math.round(first),
      lastThirdMs: Math.round(last),
      lastOverFirst: Math.round((last / first) * 100) / 100,
      firstSnapshotBytes: snapshots[0] ?? 0,
      lastSnapshotBytes: snapshots.at(-1) ?? 0,
      heapGrowthPerLifeBytes: Math.round((end.heap - heapAfterFirst) / (LIVES - third)),
      memoBytesAtEnd: end.memo,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
