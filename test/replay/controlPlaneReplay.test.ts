import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { partitionMachine } from '../../machines/partition/partitionMachine.js';
import { vpMachine } from '../../machines/vp/vpMachine.js';
import type { JsonValue } from '../../src/log/JsonValue.js';
import { makeHeader, type LogHeader } from '../../src/log/LogHeader.js';
import { openLog } from '../../src/log/LogReader.js';
import type { LogRecord, StoredRecord } from '../../src/log/LogRecord.js';
import { LogWriter } from '../../src/log/LogWriter.js';
import { replayLog, replayRecords } from '../../src/replay/replayLog.js';
import { finalStateOf } from '../../src/replay/replaySession.js';
import { readRunMeta, runHeader } from '../../src/replay/RunMeta.js';
import { openLoggedPlane, planeRunMeta } from '../../src/replay/openLoggedPlane.js';
import { MemorySink } from '../../src/runtime/RecordSink.js';
import { bootPartition, planeSession, planeWorld } from './planeSession.js';

const SNAPSHOT_EVERY = 64;

let work = '';
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'mshv-plane-replay-'));
});
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

describe.each(['core-smt', 'root'] as const)(
  'a ControlPlane session on the %s scheduler, logged',
  (scheduler) => {
    let path = '';
    let live: JsonValue = null;
    let stored: StoredRecord[] = [];
    let header: LogHeader;

    beforeAll(() => {
      path = join(work, `${scheduler}.log`);
      const world = planeWorld(scheduler);
      const options = { snapshotEvery: SNAPSHOT_EVERY };
      const writer = LogWriter.create(
        path,
        runHeader(planeRunMeta(world, options), 'test/replay/controlPlaneReplay'),
        {
          durability: 'normal',
        },
      );
      const { plane, driver } = openLoggedPlane(world, writer, options);
      planeSession(plane);
      writer.close();
      live = finalStateOf(driver);
      const log = openLog(path);
      header = log.header;
      stored = [...log.records()];
      log.close();
    });

    it('records every public call as an intent, then its transitions, operations, hypercalls and results', () => {
      const meta = readRunMeta(header);
      expect(meta.ok && meta.value.vocabulary).toBe('control-plane');
      const records = stored.map((s) => s.record);
      const names = new Set(records.flatMap((r) => (r.kind === 'intent' ? [r.name] : [])));
      expect([...names].sort()).toEqual(['createPartition', 'eventfd', 'guest', 'partition', 'signal', 'vp']);
      expect(records[0]).toMatchObject({ kind: 'intent', name: 'createPartition', args: { key: 'vm0' } });
      for (const kind of ['transition', 'operation', 'hypercall', 'result', 'snapshot'] as const)
        expect(records.some((r) => r.kind === kind)).toBe(true);
      // Each operation's result carries its id; ids count up from 1.
      const ops = records.filter(
        (r): r is Extract<LogRecord, { kind: 'operation' }> => r.kind === 'operation',
      );
      expect(ops.map((o) => o.id)).toEqual(ops.map((_, i) => i + 1));
      const results = records.filter((r): r is Extract<LogRecord, { kind: 'result' }> => r.kind === 'result');
      expect(new Set(results.map((r) => r.id))).toEqual(new Set(ops.map((o) => o.id)));
      expect(ops.some((o) => o.name === 'eventfd' && o.fd === null && o.partition === null)).toBe(true);
    });

    it('replays identically from the start and ends in the live final state', () => {
      const v = replayLog(path, { finalState: true });
      expect(v).toMatchObject({ status: 'identical', complete: true, fromSeq: 1, lastSeq: stored.length });
      if (v.status === 'identical') expect(v.finalState).toEqual(live);
    });

    it('restores from every snapshot and replays the rest identically, to the same final state', () => {
      const snapshots = stored.filter((s) => s.record.kind === 'snapshot');
      expect(snapshots.length).toBeGreaterThanOrEqual(4);
      for (const s of snapshots) {
        const v = replayLog(path, { from: s.seq, finalState: true });
        expect(v, `from seq ${s.seq}`).toMatchObject({
          status: 'identical',
          fromSeq: s.seq + 1,
          lastSeq: stored.length,
        });
        if (v.status === 'identical') expect(v.finalState).toEqual(live);
      }
    });

    it('a changed recorded status, output byte or transition is named at its own record', () => {
      const records = stored.map((s) => s.record);
      const at = (pick: (r: LogRecord) => boolean, nth = 0): number => {
        const idx = records.map((r, i) => (pick(r) ? i : -1)).filter((i) => i >= 0)[nth];
        if (idx === undefined) throw new Error('no such record');
        return idx;
      };
      const edit = (index: number, change: (r: LogRecord) => LogRecord) =>
        replayRecords(
          header,
          records.map((r, i) => (i === index ? change(r) : r)),
        );

      const status = at((r) => r.kind === 'hypercall' && r.name === 'SET_PARTITION_PROPERTY');
      const v1 = edit(status, (r) => ({ ...r, status: 0x11n }) as LogRecord);
      expect(v1).toMatchObject({
        status: 'diverged',
        divergence: { seq: status + 1, expectedKind: 'hypercall' },
      });
      if (v1.status === 'diverged')
        expect(v1.divergence.reason).toMatch(
          /^the simulated hypervisor answers SET_PARTITION_PROPERTY with HV_STATUS_\w+ .*; the log recorded HV_STATUS_INVALID_PORT_ID /,
        );

      const withOutput = at((r) => r.kind === 'hypercall' && r.output !== null && r.output.length > 0);
      const v2 = edit(withOutput, (r) => {
        const h = r as Extract<LogRecord, { kind: 'hypercall' }>;
        const output = h.output!.slice();
        output[0] = (output[0] ?? 0) ^ 0xff;
        return { ...h, output };
      });
      expect(v2).toMatchObject({ status: 'diverged', divergence: { seq: withOutput + 1 } });
      if (v2.status === 'diverged') {
        expect(v2.divergence.reason).toMatch(/other output bytes than the log recorded/);
        expect(v2.divergence.expected).toContainEqual(
          expect.stringMatching(/^output: 1 byte\(s\) differ in 1 place\(s\)$/),
        );
      }

      const transition = at((r) => r.kind === 'transition', 5);
      const v3 = edit(transition, (r) => ({ ...r, to: 'somewhere.else' }) as LogRecord);
      expect(v3).toMatchObject({
        status: 'diverged',
        divergence: { seq: transition + 1, expectedKind: 'transition' },
      });
      if (v3.status === 'diverged') expect(v3.divergence.reason).toBe('transition differs at to');
    });

    it('a changed transition in the file (compared as text, never decoded when it matches) is damage at its seq', () => {
      const original = readFileSync(path);
      const at = original.indexOf('"kind":"transition"', original.length / 2);
      expect(at).toBeGreaterThan(0);
      const to = original.indexOf('"to":"', at) + '"to":"'.length;
      const replayPatched = (name: string, patch: (b: Buffer) => void, checksums?: 'all') => {
        const copy = join(work, `${scheduler}-${name}.log`);
        const bytes = Buffer.from(original);
        patch(bytes);
        writeFileSync(copy, bytes);
        return replayLog(copy, checksums === undefined ? {} : { checksums });
      };
      // One letter of a state name changed: the body decodes but is not the re-run's, and its
      // checksum no longer matches: damage, not a divergence.
      const renamed = replayPatched('renamed', (b) => {
        b[to] = b[to]! ^ 0x20;
      });
      expect(renamed).toMatchObject({ status: 'damaged' });
      const seq = renamed.status === 'damaged' ? renamed.seq : null;
      expect(stored[(seq ?? 0) - 1]?.record.kind).toBe('transition');
      if (renamed.status === 'damaged')
        expect(renamed.message).toMatch(new RegExp(`seq ${seq}: checksum mismatch`));
      // No longer JSON: a transition's checksum is recomputed as it is read (every kind's but the
      // hypercalls'), so the same seq is named before the body is ever decoded.
      const broken = replayPatched('broken', (b) => {
        b[at + '"kind"'.length] = ';'.charCodeAt(0);
      });
      expect(broken).toMatchObject({ status: 'damaged', seq });
      if (broken.status === 'damaged')
        expect(broken.message).toMatch(new RegExp(`seq ${seq}: checksum mismatch`));
      // Every checksum recomputed as read: the same record, named as a checksum mismatch.
      const all = replayPatched(
        'broken-all',
        (b) => {
          b[at + '"kind"'.length] = ';'.charCodeAt(0);
        },
        'all',
      );
      expect(all).toMatchObject({ status: 'damaged', seq });
      if (all.status === 'damaged') expect(all.message).toMatch(new RegExp(`seq ${seq}: checksum mismatch`));
    });

    it('a log cut at a crash point replays as far as it was committed', () => {
      const half = Math.floor(stored.length / 2);
      const v = replayRecords(header, stored.slice(0, half), { closed: false });
      expect(v).toMatchObject({ status: 'identical', complete: false });
      if (v.status === 'identical') {
        expect(v.lastSeq).toBe(half);
        expect(v.note).toMatch(/^the log was not closed: replayed to its last committed record/);
      }
      // The same records presented as a closed log: the re-run goes on past its end, a divergence.
      const closed = replayRecords(header, stored.slice(0, half));
      expect(closed).toMatchObject({ status: 'diverged', divergence: { seq: half + 1, expectedKind: null } });
    });

    it('a log cut right after an intent is reproduced whole, and the verdict says it was not closed', () => {
      // The last intent's records end where the next intent begins. (Not where a snapshot precedes
      // it: the writer appends the two together, so no committed log ends between them.)
      const nextIntent = stored.findIndex(
        (r, i) =>
          i > stored.length / 2 && r.record.kind === 'intent' && stored[i - 1]?.record.kind !== 'snapshot',
      );
      expect(nextIntent).toBeGreaterThan(0);
      const v = replayRecords(header, stored.slice(0, nextIntent), { closed: false });
      expect(v).toMatchObject({ status: 'identical', complete: true, lastSeq: nextIntent });
      if (v.status === 'identical')
        expect(v.note).toBe(
          `the log was not closed; it ends after a whole intent (seq ${nextIntent}), and all of it was reproduced`,
        );
      expect(replayRecords(header, stored)).not.toHaveProperty('note');
    });
  },
);

describe('replay honours the machines a run used (a checker’s planted guard)', () => {
  it('a SNAPSHOT while running, allowed by a planted guard, replays only with that machine', () => {
    const planted = {
      partition: partitionMachine.provide({ guards: { snapshotOnlyWhileQuiesced: () => true } }),
      vp: vpMachine,
    };
    const world = planeWorld('core-smt', 5, 1);
    const sink = new MemorySink();
    const { plane } = openLoggedPlane(world, sink, { snapshotEvery: 0, machines: planted });
    bootPartition(plane, 'vm0', 0, 1);
    const intentAt = sink.records.length;
    expect(plane.partition('vm0', { type: 'SNAPSHOT' }).status).not.toBe('rejected');
    const header = makeHeader(runHeader(planeRunMeta(world, { snapshotEvery: 0 }), 'test'));
    expect(replayRecords(header, sink.records, { machines: planted }).status).toBe('identical');
    const shipped = replayRecords(header, sink.records);
    // The shipped machine refuses the request (EBUSY, rule 11): nothing follows its intent.
    expect(shipped).toMatchObject({
      status: 'diverged',
      divergence: { seq: intentAt + 2, actualKind: null },
    });
  });
});
