import { MMU_INVALIDATE } from '../../src/pipeline/driver/invalidateMovableRange.js';
import { MM_MIGRATE } from '../../src/runner/RunWorld.js';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IRQFD_RESAMPLE_ACK } from '../../src/pipeline/driver/ackIrqfdResample.js';
import { DOORBELL_ISR } from '../../src/pipeline/driver/doorbellIsr.js';
import { IRQFD_INJECT } from '../../src/pipeline/driver/signalIrqfd.js';
import { EVENTFD_READ, EVENTFD_WRITE } from '../../src/pipeline/driver/Eventfd.js';

const NOT_IOCTLS = new Set(['close', EVENTFD_READ, EVENTFD_WRITE, MM_MIGRATE]);
import type { JsonValue } from '../../src/log/JsonValue.js';
import { openLog } from '../../src/log/LogReader.js';
import type { HypercallRecord, LogRecord, StoredRecord } from '../../src/log/LogRecord.js';
import { LogWriter } from '../../src/log/LogWriter.js';
import { bytesToHex, wordToHex } from '../../src/log/hexBytes.js';
import { CountingRecorder } from '../../src/pipeline/HypercallRecorder.js';
import { replayLog } from '../../src/replay/replayLog.js';
import { finalStateOf } from '../../src/replay/replaySession.js';
import { readRunMeta, runHeader } from '../../src/replay/RunMeta.js';
import { runScenarioLogged, scenarioRunMeta } from '../../src/replay/runScenarioLogged.js';
import { worldDigest } from '../../src/replay/worldDigest.js';
import { runScenario } from '../../src/runner/runScenario.js';
import { SimWorld } from '../../src/runner/SimWorld.js';
import { TraceRecorder, type TraceRecord } from '../../src/runner/TraceRecorder.js';
import { loadStep } from '../../src/scenario/loadScenario.js';
import { readScenarioFile } from '../../src/scenario/readScenarioFile.js';
import type { Scenario } from '../../src/scenario/Scenario.js';

/**
 * Event-log tests (design.md, after Immer's patch tests): for every example scenario, four
 * properties: (1) the live run's final state, (2) the log's content, (3) replay from the start
 * reproduces every record and the final state, (4) restore from a mid-way snapshot plus the rest of
 * the log reproduces them too.
 */
const DIR = 'docs/scenarios';
const files = readdirSync(DIR)
  .filter((f) => f.endsWith('.json'))
  .sort();
/** Small, so every scenario's log holds snapshots to restore from. */
const SNAPSHOT_EVERY = 8;

let work = '';
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'mshv-eventlog-'));
});
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

interface Run {
  readonly scenario: Scenario;
  readonly path: string;
  readonly live: JsonValue;
  readonly failedStep: number | undefined;
  readonly liveWorld: SimWorld;
  readonly records: StoredRecord[];
}

function readAll(path: string): StoredRecord[] {
  const log = openLog(path);
  try {
    return [...log.records()];
  } finally {
    log.close();
  }
}

describe.each(files)('event log of %s', (file) => {
  let run: Run;
  beforeAll(async () => {
    const scenario = await readScenarioFile(join(DIR, file));
    const path = join(work, `${file}.log`);
    const options = { snapshotEvery: SNAPSHOT_EVERY };
    const writer = LogWriter.create(
      path,
      runHeader(scenarioRunMeta(scenario, options), 'test/replay/eventLog', { scenario: scenario.name }),
      { durability: 'normal' },
    );
    const { report, driver } = runScenarioLogged(scenario, writer, options);
    writer.close();
    run = {
      scenario,
      path,
      live: finalStateOf(driver),
      failedStep: report.failed?.index,
      liveWorld: driver.world,
      records: readAll(path),
    };
  });

  it('1. the live run meets every expect, leaves nothing behind, and ends where an unlogged run ends', () => {
    expect(run.failedStep).toBeUndefined();
    const w = run.liveWorld;
    expect(w.machine.audit().ok).toBe(true);
    expect(w.device.partitions()).toEqual([]);
    expect(w.machine.partitions().filter((p) => !p.isRoot && p.state !== 'deleted')).toEqual([]);
    expect(w.device.env.windows.current).toBeNull();
    // Logging observes the run; it does not change it.
    const plain = new SimWorld(run.scenario, new CountingRecorder());
    expect(runScenario(run.scenario, plain).failed).toBeUndefined();
    expect(worldDigest(plain)).toEqual(worldDigest(w));
  });

  it('2. the log holds one intent per step, each operation with its hypercalls and result, and the trace’s hypercalls byte for byte', () => {
    const log = openLog(run.path);
    const verdict = log.verify();
    const meta = readRunMeta(log.header);
    log.close();
    expect(verdict).toMatchObject({ ok: true, closed: true, records: run.records.length });
    expect(meta.ok && meta.value).toMatchObject({ vocabulary: 'scenario', snapshotEvery: SNAPSHOT_EVERY });
    expect(meta.ok && meta.value.world).toEqual({ ...run.scenario, steps: [] });

    const records = run.records.map((r) => r.record);
    const intents = records.filter((r): r is Extract<LogRecord, { kind: 'intent' }> => r.kind === 'intent');
    expect(intents.map((r) => (r.args as { index: number }).index)).toEqual(
      run.scenario.steps.map((_, i) => i),
    );
    expect(intents.map((r, i) => loadStep((r.args as { step: unknown }).step, `$[${i}]`, null))).toEqual(
      run.scenario.steps,
    );

    // Shape: intent (operation hypercall* result)+, a snapshot only right before an intent.
    let since = 0;
    let open: Extract<LogRecord, { kind: 'operation' }> | null = null;
    for (const [i, r] of records.entries()) {
      if (r.kind === 'snapshot') {
        expect(records[i + 1]?.kind).toBe('intent');
        expect(since).toBeGreaterThanOrEqual(SNAPSHOT_EVERY);
        since = 0;
      } else since += 1;
      if (r.kind === 'operation') {
        expect(open).toBeNull();
        open = r;
      } else if (r.kind === 'hypercall') {
        expect(open).not.toBeNull();
        // The call serves the operation, a deposit the driver made for it, the release of close, or
        // kernel work the operation set off (an interrupt taken at syscall entry, an irqfd injection,
        // the MMU notifiers a host migration runs, at once or racing a fault-in inside MSHV_RUN_VP).
        expect([
          open?.name,
          'deposit',
          open?.name === 'close' ? 'MSHV_RELEASE' : '',
          open?.name === MM_MIGRATE || open?.name === 'MSHV_RUN_VP' ? MMU_INVALIDATE : '',
          IRQFD_INJECT,
          IRQFD_RESAMPLE_ACK,
          DOORBELL_ISR,
        ]).toContain(r.op);
      } else if (r.kind === 'result') {
        expect(r).toMatchObject({ id: open?.id, op: open?.name });
        open = null;
      } else expect(open).toBeNull();
      expect(r.kind).not.toBe('transition'); // the scenario runner has no machines
    }
    expect(records.filter((r) => r.kind === 'snapshot').length).toBeGreaterThan(0);

    // An independent recorder (the trace) saw the same hypercalls and the same ioctls.
    const trace = new TraceRecorder();
    runScenario(run.scenario, new SimWorld(run.scenario, trace), trace);
    const lines = trace.lines().map((l) => JSON.parse(l) as TraceRecord);
    const traced = lines.filter((l) => l.kind === 'hypercall');
    const logged = records.filter((r): r is HypercallRecord => r.kind === 'hypercall');
    expect(logged.map(asTraceFields)).toEqual(
      traced.map((t) => ({
        name: t.name,
        control: t.control,
        input: t.input,
        result: t.status,
        repsCompleted: t.repsCompleted,
        output: t.output ?? null,
        window: t.window,
      })),
    );
    const ioctls = lines.filter((l) => l.kind === 'ioctl').map((l) => l.name);
    expect(
      records
        // close(2), eventfd read(2)/write(2) and host migrations are operations of the log, not
        // ioctls of the trace.
        .filter((r) => r.kind === 'operation' && !NOT_IOCTLS.has(r.name))
        .map((r) => (r as { name: string }).name),
    ).toEqual(ioctls);
  });

  it('3. replay from the start reproduces every record and the live final state', () => {
    const v = replayLog(run.path, { finalState: true });
    expect(v).toMatchObject({ status: 'identical', complete: true, fromSeq: 1, lastSeq: run.records.length });
    if (v.status !== 'identical') return;
    const byKind: Record<string, number> = {};
    for (const r of run.records) byKind[r.record.kind] = (byKind[r.record.kind] ?? 0) + 1;
    expect(v.byKind).toEqual(byKind);
    expect(v.finalState).toEqual(run.live);
  });

  it('4. restore from a mid-way snapshot plus the rest of the log reproduces it', () => {
    const snapshots = run.records.filter((r) => r.record.kind === 'snapshot');
    const mid = snapshots[Math.floor(snapshots.length / 2)]!;
    const v = replayLog(run.path, { from: mid.seq, finalState: true });
    expect(v).toMatchObject({
      status: 'identical',
      complete: true,
      fromSeq: mid.seq + 1,
      lastSeq: run.records.length,
    });
    if (v.status === 'identical') expect(v.finalState).toEqual(run.live);
  });
});

function asTraceFields(h: HypercallRecord): Record<string, unknown> {
  return {
    name: h.name,
    control: wordToHex(h.control),
    input: bytesToHex(h.input),
    result: `0x${(h.status & 0xffffn).toString(16).padStart(4, '0')}`,
    repsCompleted: h.repsCompleted,
    output: h.output === null ? null : bytesToHex(h.output),
    window: h.window,
  };
}
