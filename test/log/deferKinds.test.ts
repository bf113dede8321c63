import { DatabaseSync } from 'node:sqlite';
import { describe, expect, it } from 'vitest';
import { DeferredRecord } from '../../src/log/DeferredRecord.js';
import { openLog } from '../../src/log/LogReader.js';
import type { StoredRecord } from '../../src/log/LogRecord.js';
import { markedLog, patchMarker } from './markedLog.js';
import { useTempDir } from './tempDir.js';

const tempDir = useTempDir();
const MARKER = 'defer-transition-X';

/** A closed log of 40 records whose seq 20 is a transition carrying MARKER. */
function makeLog(): string {
  return markedLog(tempDir(), {
    20: { kind: 'transition', machine: MARKER, from: 'a', event: 'E', to: 'b' },
  });
}

const patch = (path: string, char: string): void => {
  patchMarker(path, MARKER, char);
};

function readAll(
  path: string,
  options: Parameters<ReturnType<typeof openLog>['records']>[0],
): StoredRecord[] {
  const log = openLog(path);
  try {
    return Array.from(log.records(options));
  } finally {
    log.close();
  }
}

describe('records({ deferKinds }): decode some kinds only when read (what replay compares as text)', () => {
  it('deferred records carry kind and body undecoded, and decode to what an eager read gives', () => {
    const path = makeLog();
    const eager = readAll(path, {});
    const lazy = readAll(path, { deferKinds: ['transition', 'result'] });
    expect(lazy.map((r) => r.kind)).toEqual(eager.map((r) => r.record.kind));
    const deferred = lazy.filter((r) => r instanceof DeferredRecord);
    expect(deferred.length).toBe(eager.filter((r) => ['transition', 'result'].includes(r.kind)).length);
    expect(deferred.length).toBeGreaterThan(1);
    expect(lazy.filter((r) => !(r instanceof DeferredRecord)).every((r) => r.kind !== 'transition')).toBe(
      true,
    );
    expect(lazy.map((r) => [r.seq, r.body, r.checksum, r.record])).toEqual(
      eager.map((r) => [r.seq, r.body, r.checksum, r.record]),
    );
  });

  it('a deferred body that does not decode reads through, and its first `record` read names the seq', () => {
    const path = makeLog();
    patch(path, '"'); // ends the string early: not JSON; the checksum is left as it was
    // Replay's policy: no checksum recomputed for transitions, which it compares as text.
    expect(() => readAll(path, { checksumKinds: ['intent', 'snapshot'] })).toThrow(
      /seq 20: body is not JSON/,
    );
    const records = readAll(path, { checksumKinds: ['intent', 'snapshot'], deferKinds: ['transition'] });
    expect(records).toHaveLength(40);
    const r20 = records[19]!;
    expect(r20.kind).toBe('transition');
    expect(() => r20.record).toThrow(/run\.log: seq 20: body is not JSON/);
    // Every other check still runs as the row is read: the full chain catches the changed body.
    expect(() => readAll(path, { deferKinds: ['transition'] })).toThrow(/seq 20: checksum mismatch/);
  });

  it('the kind column is checked against the body when a deferred record is decoded (with verify)', () => {
    const path = makeLog();
    const db = new DatabaseSync(path);
    db.exec('DROP TRIGGER records_no_update'); // the writer's guard; damage does not ask
    db.prepare("UPDATE records SET kind = 'result' WHERE seq = 20").run();
    db.close();
    const records = readAll(path, { deferKinds: ['transition', 'result'] });
    expect(records[19]!.kind).toBe('result');
    expect(() => records[19]!.record).toThrow(
      /seq 20: kind column 'result' disagrees with the body's 'transition'/,
    );
    // Not deferred, the same record fails as it is read.
    expect(() => readAll(path, {})).toThrow(/seq 20: kind column 'result' disagrees/);
    // Without verify, a deferred record decodes whatever its column says (the raw read).
    const raw = readAll(path, { verify: false, deferKinds: ['result'] });
    expect(raw[19]!.record.kind).toBe('transition');
  });

  it('decodes once: the record read twice is the same object', () => {
    const records = readAll(makeLog(), { deferKinds: ['transition'] });
    const r = records[19]!;
    expect(r.record).toBe(r.record);
  });
});
