/**
 * Replay rate (issue 5, "Performance"): a run is logged to a temp file, then the same log is read
 * and decoded raw (`verify: false`, no checks) and replayed from the start (records checked as read,
 * every hypercall answered from the log after its request is checked byte for byte, the simulated
 * hypervisor in lock step cross-checking each answer, every record the re-run produces compared
 * with the log's). Target: replay ≥ 50% of the raw rate of the same log, both measured here.
 *
 * Two logs, because their records cost very differently to reproduce:
 * - `replay-scenario`: a scenario run (`run --log`) mapping and tearing down 1 GiB guests of
 *   4 KiB pages: almost every record is a page-sized MAP/UNMAP hypercall, the bulk of any real log.
 * - `replay-plane`: a ControlPlane run (partitions booted, mapped, run, paused and closed one after
 *   another): most records are small (intents, transitions, results), each one an xstate step.
 *
 * Metrics: records; hypercallShare; readDecodeRecordsPerS (the raw rate); replayRecordsPerS (the
 * default: every record but hypercalls re-checksummed, every record compared); replayAllChecksumsRecordsPerS
 * (`--verify-checksums`); replayNoCrossCheckRecordsPerS; replayFromSnapshotRecordsPerS (the tail
 * after the last snapshot, its restore included: `sim-world-v1` rebuilds the whole world from the
 * snapshot record); liveRunRecordsPerS (the logged run itself); replayToRawRatio. The raw read and
 * the default replay are timed in alternation, best of PAIRED_REPEATS pairs, so a drifting machine
 * skews neither side of the ratio.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { MSHV_PT_BIT } from '../../../src/hv/uapi/flags.js';
import { openLog } from '../../../src/log/LogReader.js';
import { LogWriter } from '../../../src/log/LogWriter.js';
import { replayLog } from '../../../src/replay/replayLog.js';
import type { ReplayOptions } from '../../../src/replay/replaySession.js';
import { runHeader } from '../../../src/replay/RunMeta.js';
import { runScenarioLogged, scenarioRunMeta } from '../../../src/replay/runScenarioLogged.js';
import { openLoggedPlane, planeRunMeta } from '../../../src/replay/openLoggedPlane.js';
import type { ControlPlane } from '../../../src/runtime/ControlPlane.js';
import type { RequestOutcome } from '../../../src/runtime/RequestOutcome.js';
import { loadScenario } from '../../../src/scenario/loadScenario.js';
import type { Scenario } from '../../../src/scenario/Scenario.js';

const SNAPSHOT_EVERY = 2048;
/** Best of this many timed repetitions (the machine may be shared: the minimum is the cost). */
const REPEATS = 5;
/** Pairs of raw read and default replay, alternating: the ratio's two sides. */
const PAIRED_REPEATS = 15;
/** Untimed replays before the first timed one. */
const WARMUP = 3;
const MiB = 1n << 20n;
const RAM = 0x7f00_0000_0000n;

/** Four 1 GiB guests of 4 KiB pages, one after another: map, one VP exit, teardown (unmap, withdraw). */
export const mapScenario: Scenario = loadScenario({
  format: 1,
  name: 'bench-replay-map',
  seed: 5,
  hypervisor: { repTimeSlice: 300 },
  hostMemory: [{ userAddr: '0x7f0000000000', size: '1GiB', pageSize: '4K' }],
  steps: [0, 1, 2, 3].flatMap((i) => {
    const partition = `vm${i}`;
    return [
      { op: 'createPartition', partition, flags: ['LAPIC', 'X2APIC'] },
      { op: 'initializePartition', partition },
      {
        op: 'setGuestMemory',
        partition,
        guestPfn: '0x0',
        size: '1GiB',
        userAddr: '0x7f0000000000',
        flags: ['WRITABLE'],
      },
      { op: 'createVp', partition, vpIndex: 0 },
      {
        op: 'runVp',
        partition,
        vpIndex: 0,
        guest: [{ exit: 'IO_PORT', port: '0x3f8', write: true, size: 1, value: 65 + i }],
      },
      { op: 'closePartition', partition },
    ];
  }),
});

/** The ControlPlane run's world: two 32 MiB slots of 4 KiB-backed RAM. */
export const planeWorld: Scenario = {
  format: 1,
  name: 'bench-replay-plane',
  seed: 77,
  hypervisor: { scheduler: 'core-smt', faults: [] },
  hostMemory: [0, 1].map((i) => ({
    kind: 'ram' as const,
    userAddr: RAM + BigInt(i) * 0x1_0000_0000n,
    size: 32n * MiB,
    pageSize: 4096 as const,
  })),
  steps: [],
};

function done(o: RequestOutcome): RequestOutcome {
  if (o.status !== 'done') throw new Error(`bench session: ${JSON.stringify(o)}`);
  return o;
}

/** 40 partitions, two live at a time: create, initialize, map, 4 VPs, start, exits on VP 0, pause, resume, close. */
export function planeSession(plane: ControlPlane): void {
  const flags = BigInt((1 << MSHV_PT_BIT.LAPIC) | (1 << MSHV_PT_BIT.X2APIC));
  for (let i = 0; i < 40; i++) {
    const key = `vm${i}`;
    if (i >= 2) done(plane.partition(`vm${i - 2}`, { type: 'CLOSE' }));
    done(plane.createPartition(key, { ptFlags: flags, ptIsolation: 0n }));
    done(plane.partition(key, { type: 'INITIALIZE' }));
    const userAddr = `0x${(RAM + BigInt(i % 2) * 0x1_0000_0000n).toString(16)}`;
    done(
      plane.partition(key, {
        type: 'MAP_MEMORY',
        region: 'ram0',
        detail: { guestPfn: '0x0', size: `0x${(32n * MiB).toString(16)}`, userAddr, flags: 3 },
      }),
    );
    for (let v = 0; v < 4; v++) {
      done(plane.partition(key, { type: 'CREATE_VP', vp: v }));
      done(plane.vp(key, v, { type: 'READY' }));
    }
    done(plane.partition(key, { type: 'START' }));
    // VP 0 takes the exits (under a hypervisor scheduler the model's driver watches CPU 0's SINT0 only).
    plane.guest(key, 0, [
      { exit: 'CPUID', leaf: i, subleaf: 0 },
      { exit: 'MMIO', gpa: 0xfed0_0000n, write: true, size: 4, value: BigInt(i) },
      { exit: 'MSR', msr: 0x10, write: false, value: 0n },
    ]);
    for (let r = 0; r < 3; r++) done(plane.vp(key, 0, { type: 'RUN' }));
    done(plane.partition(key, { type: 'PAUSE' }));
    done(plane.partition(key, { type: 'RESUME' }));
  }
}

/** Write a case's log to `path` (a new file); returns the live run's wall time in ms. */
export function writeBenchLog(path: string, which: 'scenario' | 'plane'): number {
  const t0 = performance.now();
  const options = { snapshotEvery: SNAPSHOT_EVERY };
  if (which === 'scenario') {
    const writer = LogWriter.create(path, runHeader(scenarioRunMeta(mapScenario, options), 'bench'), {
      durability: 'normal',
    });
    const { report } = runScenarioLogged(mapScenario, writer, options);
    writer.close();
    if (report.failed !== undefined) throw new Error(`bench scenario: ${JSON.stringify(report.failed)}`);
  } else {
    const writer = LogWriter.create(path, runHeader(planeRunMeta(planeWorld, options), 'bench'), {
      durability: 'normal',
    });
    planeSession(openLoggedPlane(planeWorld, writer, options).plane);
    writer.close();
  }
  return performance.now() - t0;
}

const rate = (n: number, ms: number): number => Math.round((n / ms) * 1000);

function timed(f: () => void): number {
  const t0 = performance.now();
  f();
  return performance.now() - t0;
}

function best(f: () => void): number {
  let ms = Infinity;
  for (let i = 0; i < REPEATS; i++) ms = Math.min(ms, timed(f));
  return ms;
}

function measure(which: 'scenario' | 'plane'): Record<string, number> {
  const dir = mkdtempSync(join(tmpdir(), 'mshv-bench-replay-'));
  try {
    const path = join(dir, 'run.log');
    const liveMs = writeBenchLog(path, which);
    let records = 0;
    let hypercalls = 0;
    let lastSnapshot = 0;
    const replayOnce = (options: ReplayOptions): void => {
      const v = replayLog(path, options);
      if (v.status !== 'identical') throw new Error(`bench replay: ${JSON.stringify(v)}`);
    };
    const replay = (options: ReplayOptions): number =>
      best(() => {
        replayOnce(options);
      });
    // Untimed warm-up passes: the first configuration timed would otherwise pay the JIT's warm-up
    // that every later one is spared (the default replay measured slower than `checksums: 'all'`).
    for (let i = 0; i < WARMUP; i++) replayOnce({});
    const readOnce = (): void => {
      const log = openLog(path);
      records = 0;
      hypercalls = 0;
      for (const r of log.records({ verify: false })) {
        records += 1;
        if (r.record.kind === 'hypercall') hypercalls += 1;
        if (r.record.kind === 'snapshot') lastSnapshot = r.seq;
      }
      log.close();
    };
    // The raw read and the default replay alternate, so both meet the same machine (a shared VM's
    // speed drifts between runs; the ratio is what the case reports).
    let readMs = Infinity;
    let replayMs = Infinity;
    for (let i = 0; i < PAIRED_REPEATS; i++) {
      readMs = Math.min(readMs, timed(readOnce));
      replayMs = Math.min(
        replayMs,
        timed(() => {
          replayOnce({});
        }),
      );
    }
    const readDecodeRecordsPerS = rate(records, readMs);
    const replayRecordsPerS = rate(records, replayMs);
    return {
      records,
      hypercallShare: Math.round((hypercalls / records) * 1000) / 1000,
      readDecodeRecordsPerS,
      replayRecordsPerS,
      replayAllChecksumsRecordsPerS: rate(records, replay({ checksums: 'all' })),
      replayNoCrossCheckRecordsPerS: rate(records, replay({ crossCheck: false })),
      replayFromSnapshotRecordsPerS:
        lastSnapshot === 0 ? 0 : rate(records - lastSnapshot, replay({ from: lastSnapshot })),
      liveRunRecordsPerS: rate(records, liveMs),
      replayToRawRatio: Math.round((replayRecordsPerS / readDecodeRecordsPerS) * 1000) / 1000,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The `replay-scenario` case. */
export function runScenarioCase(): Promise<Record<string, number>> {
  return Promise.resolve(measure('scenario'));
}

/** The `replay-plane` case. */
export function runPlaneCase(): Promise<Record<string, number>> {
  return Promise.resolve(measure('plane'));
}
