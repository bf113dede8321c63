import { truncateSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeHeader } from '../../src/log/LogHeader.js';
import { LogWriter } from '../../src/log/LogWriter.js';
import { formatRecoverReport } from '../../src/replay/formatRecoverReport.js';
import { recoverLog, recoverRecords } from '../../src/replay/recoverRecords.js';
import { runHeader } from '../../src/replay/RunMeta.js';
import { runScenarioLogged, scenarioRunMeta } from '../../src/replay/runScenarioLogged.js';
import { openLoggedPlane, planeRunMeta } from '../../src/replay/openLoggedPlane.js';
import { MemorySink } from '../../src/runtime/RecordSink.js';
import { readScenarioFile } from '../../src/scenario/readScenarioFile.js';
import { logFileHashes, useTempDir } from '../log/tempDir.js';
import { bootPartition, planeSession, planeWorld } from './planeSession.js';

const tempDir = useTempDir();

/** Every distinct commit boundary of a run: where a crash can leave a log. */
function commitPoints(sink: MemorySink): number[] {
  return [...new Set(sink.commits)];
}

describe('recoverRecords at every crash point (every commit) reconciles: nothing leaks', () => {
  it.each(['core-smt', 'root'] as const)('a ControlPlane session on the %s scheduler', (scheduler) => {
    const world = planeWorld(scheduler);
    const sink = new MemorySink();
    const options = { snapshotEvery: 100 };
    const { plane } = openLoggedPlane(world, sink, options);
    planeSession(plane);
    const header = makeHeader(runHeader(planeRunMeta(world, options), 'test'));
    let mostLive = 0;
    for (const at of commitPoints(sink)) {
      const report = recoverRecords(header, sink.records.slice(0, at));
      expect(report.status, `${at}:\n${formatRecoverReport(report).join('\n')}`).toBe('reconciled');
      expect(report.replay).toMatchObject({ status: 'identical', lastSeq: at });
      mostLive = Math.max(mostLive, report.live?.partitions.length ?? 0);
    }
    expect(mostLive).toBe(2);
  });

  it.each([
    'vp-lifecycle.json',
    'irqfd-ioeventfd-msi.json',
    'mmio.json',
    'run-root-scheduler.json',
    'dirty-bitmap.json',
    'movable-regions.json',
    'movable-fault-in-race.json',
  ])('a scenario run: %s', async (file) => {
    const scenario = await readScenarioFile(join('docs/scenarios', file));
    const sink = new MemorySink();
    runScenarioLogged(scenario, sink, { snapshotEvery: 32 });
    const header = makeHeader(runHeader(scenarioRunMeta(scenario, { snapshotEvery: 32 }), 'test'));
    for (const at of commitPoints(sink)) {
      const report = recoverRecords(header, sink.records.slice(0, at));
      expect(report.status, `${at}:\n${formatRecoverReport(report).join('\n')}`).toBe('reconciled');
    }
  });
});

describe('what recover lists', () => {
  it("a movable region's present pages: what the guest faulted in, less what a host migration took since", async () => {
    const scenario = await readScenarioFile('docs/scenarios/movable-regions.json');
    // Up to the run after the migrations: the unmap and the close are left out, so the regions are live.
    const live = { ...scenario, steps: scenario.steps.slice(0, -2) };
    const sink = new MemorySink();
    runScenarioLogged(live, sink, { snapshotEvery: 0 });
    const header = makeHeader(runHeader(scenarioRunMeta(live, { snapshotEvery: 0 }), 'test'));
    const listed = recoverRecords(header, sink.records, { dryRun: true });
    expect(listed.status).toBe('listed');
    // RAM: chunks 0 and 512 (1,024 pages) less the 16 migrated; firmware: its one chunk, faulted in again.
    expect(listed.live?.partitions[0]?.regions.map((r) => [r.kind, r.presentPages])).toEqual([
      ['movable', 1008],
      ['movable', 256],
    ]);
    expect(formatRecoverReport(listed).join('\n')).toContain('+2048 pages movable (1008 present)');
  });

  it('a running partition: its regions, VPs (one asleep in MSHV_RUN_VP), doorbell, irqfd, MSI route, pool and eventfds', () => {
    const world = planeWorld('core-smt', 41, 1);
    const sink = new MemorySink();
    const { plane } = openLoggedPlane(world, sink, { snapshotEvery: 0 });
    bootPartition(plane, 'vm0', 0, 2);
    expect(plane.vp('vm0', 1, { type: 'RUN' }).status).toBe('pending');
    const header = makeHeader(runHeader(planeRunMeta(world, { snapshotEvery: 0 }), 'test'));
    const listed = recoverRecords(header, sink.records, { dryRun: true });
    expect(listed.status).toBe('listed');
    expect(listed.teardown).toEqual([]);
    expect(listed.live).toMatchObject({
      eventfds: [4, 5],
      partitions: [
        {
          name: 'vm0',
          fd: 3,
          fdOpen: true,
          state: 'live.running',
          initialized: true,
          regions: [{ guestPfn: 0, pages: 16384, kind: 'ram', userAddr: '0x7f0000000000' }],
          vps: [
            { index: 0, fd: 6, state: 'idle', runPending: false },
            { index: 1, fd: 7, state: 'running', runPending: true },
          ],
          doorbells: [{ eventfd: 4, addr: '0xf0000000', len: 4 }],
          irqfds: [{ eventfd: 5, gsi: 5 }],
          msiRoutes: 1,
        },
      ],
    });
    const pool = listed.live!.partitions[0]!.pool!;
    expect(pool.pages).toBeGreaterThan(0);
    expect(pool.pages).toBe(pool.freePages + pool.usedPages);
    const lines = formatRecoverReport(listed);
    expect(lines).toContain(
      '  partition vm0: fd 3, id ' + listed.live!.partitions[0]!.id + ', machine live.running, initialized',
    );
    expect(lines).toContain('    vps: 0 (fd 6, idle), 1 (fd 7, running, run pending)');
    expect(lines.at(-1)).toBe('dry run: nothing closed');

    const report = recoverRecords(header, sink.records);
    expect(report.status).toBe('reconciled');
    expect(report.teardown.map((t) => `${t.fd} ${t.what} ${t.result}`)).toEqual([
      '3 partition vm0 ok',
      '6 vp vm0/0 ok',
      '7 vp vm0/1 ok',
      '4 eventfd ok',
      '5 eventfd ok',
    ]);
    expect(report.teardownHypercalls).toBeGreaterThan(0);
    expect(report.audit).toMatchObject({ clean: true, conserved: true, driverPartitions: 0 });
  });
});

describe('recover refuses what it cannot rebuild, naming the record, and never writes the log', () => {
  function crashedLog(): { path: string; records: number } {
    const world = planeWorld('core-smt', 3, 2);
    const path = join(tempDir(), 'crashed.log');
    const writer = LogWriter.create(path, runHeader(planeRunMeta(world, { snapshotEvery: 50 }), 'test'));
    const { plane } = openLoggedPlane(world, writer, { snapshotEvery: 50 });
    bootPartition(plane, 'vm0', 0, 1);
    writer.commit();
    // No close: the log stays as a crash leaves it (no end marker).
    return { path, records: writer.committedSeq };
  }

  it('an unclosed log reconciles; reading it leaves the file and its -wal as they were', () => {
    const { path, records } = crashedLog();
    const before = logFileHashes(path);
    const listed = recoverLog(path, { dryRun: true });
    const report = recoverLog(path);
    expect(listed.status).toBe('listed');
    expect(report).toMatchObject({ status: 'reconciled', closed: false, replay: { lastSeq: records } });
    const after = logFileHashes(path);
    expect(after.log).toBe(before.log);
    expect(after['log-wal']).toBe(before['log-wal']);
  });

  it('records cut inside an operation: damaged, the seq named', () => {
    const world = planeWorld('core-smt', 3, 1);
    const sink = new MemorySink();
    const { plane } = openLoggedPlane(world, sink, { snapshotEvery: 0 });
    bootPartition(plane, 'vm0', 0, 1);
    const header = makeHeader(runHeader(planeRunMeta(world, { snapshotEvery: 0 }), 'test'));
    const cut = sink.records.findIndex((r) => r.kind === 'hypercall' && r.name === 'MAP_GPA_PAGES') + 1;
    const report = recoverRecords(header, sink.records.slice(0, cut));
    expect(report.status).toBe('damaged');
    expect(report.message).toBe(
      `seq ${cut}: the log ends inside an operation (its result was never committed): no consistent state to rebuild`,
    );
  });

  it('a prefix that does not replay: diverged, the record named', () => {
    const world = planeWorld('core-smt', 3, 1);
    const sink = new MemorySink();
    const { plane } = openLoggedPlane(world, sink, { snapshotEvery: 0 });
    bootPartition(plane, 'vm0', 0, 1);
    const header = makeHeader(runHeader(planeRunMeta(world, { snapshotEvery: 0 }), 'test'));
    const i = sink.records.findIndex((r) => r.kind === 'result' && r.op === 'MSHV_CREATE_VP');
    const records = sink.records.map((r, j) => (j === i ? { ...r, id: 999 } : r));
    const report = recoverRecords(header, records);
    expect(report).toMatchObject({ status: 'diverged', live: null, replay: { divergence: { seq: i + 1 } } });
  });

  it('a flipped byte and a cut-off file are errors naming the record; the file is not repaired', () => {
    const closedPath = join(tempDir(), 'closed.log');
    // A closed copy, so the whole log is in the main file (no -wal).
    const w = LogWriter.create(
      closedPath,
      runHeader(planeRunMeta(planeWorld('core-smt', 3, 2), { snapshotEvery: 50 }), 'test'),
    );
    const { plane } = openLoggedPlane(planeWorld('core-smt', 3, 2), w, { snapshotEvery: 50 });
    bootPartition(plane, 'vm0', 0, 1);
    w.close();
    const bytes = readFileSync(closedPath);
    const at = bytes.indexOf('"name":"MAP_GPA_PAGES"');
    expect(at).toBeGreaterThan(0);
    bytes[at + 8] = 'N'.charCodeAt(0);
    writeFileSync(closedPath, bytes);
    const hash = logFileHashes(closedPath);
    const flipped = recoverLog(closedPath);
    expect(flipped.status).toBe('damaged');
    expect(flipped.message).toMatch(/closed\.log: seq \d+: checksum mismatch/);
    expect(logFileHashes(closedPath)).toEqual(hash);

    truncateSync(closedPath, Math.floor(statSync(closedPath).size / 2));
    const cut = recoverLog(closedPath);
    expect(cut.status).toBe('damaged');
    expect(cut.message).toMatch(
      /closed\.log: seq \d+: the file is truncated: .* records are readable up to seq \d+$/,
    );
  });
});

describe('recover lists and closes every fd the dead process held, each once (log review item 3)', () => {
  it('the eventfds the runtime made inside IRQFD and IOEVENTFD are listed, closed, and the audit finds none open', () => {
    const world = planeWorld('core-smt', 41, 1);
    const sink = new MemorySink();
    const { plane } = openLoggedPlane(world, sink, { snapshotEvery: 0 });
    bootPartition(plane, 'vm0', 0, 1); // its own eventfds 4 and 5 (plane.eventfd()), VP fd 6
    // No fd given: the runtime makes them for the partition, inside the operation.
    const irq = plane.partition('vm0', { type: 'IRQFD', assign: true, detail: { gsi: 5 } });
    const bell = plane.partition('vm0', {
      type: 'IOEVENTFD',
      assign: true,
      pio: false,
      detail: { addr: '0xf0001000', len: 4 },
    });
    expect(irq).toMatchObject({ status: 'done', value: { fd: 7 } });
    expect(bell).toMatchObject({ status: 'done', value: { fd: 8 } });
    const header = makeHeader(runHeader(planeRunMeta(world, { snapshotEvery: 0 }), 'test'));
    const report = recoverRecords(header, sink.records);
    expect(report.live?.eventfds).toEqual([4, 5, 7, 8]);
    const lines = formatRecoverReport(report);
    expect(lines).toContain(
      'live at seq ' +
        String(sink.records.length) +
        ': 1 partition(s), 4 eventfd(s); root pool ' +
        String(report.live!.rootPoolPages) +
        ' pages',
    );
    expect(lines).toContain('  eventfds: 4, 5, 7, 8');
    expect(report.teardown.map((t) => `${t.fd} ${t.what} ${t.result}`)).toEqual([
      '3 partition vm0 ok',
      '6 vp vm0/0 ok',
      '4 eventfd ok',
      '5 eventfd ok',
      '7 eventfd ok',
      '8 eventfd ok',
    ]);
    expect(report.audit).toMatchObject({ clean: true, openFds: [] });
    expect(report.status).toBe('reconciled');
  });

  it.each(['vp-lifecycle.json', 'irqfd-ioeventfd-msi.json', 'boot-4k.json'])(
    'at every commit of %s: only open fds are listed, each closed once without EBADF, none left open',
    async (file) => {
      const scenario = await readScenarioFile(join('docs/scenarios', file));
      const sink = new MemorySink();
      runScenarioLogged(scenario, sink, { snapshotEvery: 32 });
      const header = makeHeader(runHeader(scenarioRunMeta(scenario, { snapshotEvery: 32 }), 'test'));
      let vpClosedBeforePartition = 0;
      for (const at of commitPoints(sink)) {
        const report = recoverRecords(header, sink.records.slice(0, at));
        const text = `${at}:\n${formatRecoverReport(report).join('\n')}`;
        expect(
          report.teardown.filter((t) => t.result !== 'ok'),
          text,
        ).toEqual([]);
        const fds = report.teardown.map((t) => t.fd);
        expect(new Set(fds).size, text).toBe(fds.length);
        expect(report.audit?.openFds, text).toEqual([]);
        const p = report.live?.partitions[0];
        if (p?.fdOpen === true && p.vps.length === 0 && p.initialized) vpClosedBeforePartition += 1;
      }
      // closePartition closes the VP fds first: some crash points fall between them and the partition fd.
      if (file === 'boot-4k.json') expect(vpClosedBeforePartition).toBeGreaterThan(0);
    },
  );
});
