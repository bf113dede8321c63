import { readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportLines } from '../../src/log/exportLog.js';
import { checksumOfHeader } from '../../src/log/LogHeader.js';
import { recordChecksum } from '../../src/log/checksum.js';
import { encodeRecord } from '../../src/log/encodeRecord.js';
import { openLog } from '../../src/log/LogReader.js';
import { RECORD_KINDS, type LogRecord } from '../../src/log/LogRecord.js';
import { LogWriter, PENDING_RECORDS_MAX } from '../../src/log/LogWriter.js';
import { examples } from './recordExamples.js';
import { sampleRecord } from './sampleRecords.js';
import { fileHash, logFileHashes, testHeader, useTempDir } from './tempDir.js';

const tempDir = useTempDir();

function writeLog(path: string, records: readonly LogRecord[], opsOf = 7, close = true): LogWriter {
  const w = LogWriter.create(path, testHeader);
  for (let i = 0; i < records.length; i += opsOf) {
    w.append(...records.slice(i, i + opsOf));
    w.commit();
  }
  if (close) w.close();
  return w;
}

const samples = (n: number): LogRecord[] => Array.from({ length: n }, (_, i) => sampleRecord(i + 1));

describe('LogWriter and openLog', () => {
  it('round-trips every record kind through the file, numbered from seq 1, checksums chained', () => {
    const path = join(tempDir(), 'run.log');
    const records = [...RECORD_KINDS.map((k) => examples[k]), ...samples(500)];
    writeLog(path, records);
    const log = openLog(path);
    expect(log.header).toEqual({ ...testHeader, seed: '42', formatVersion: 1, meta: {} });
    const read = [...log.records()];
    expect(read.map((r) => r.record)).toEqual(records);
    expect(read.map((r) => r.seq)).toEqual(records.map((_, i) => i + 1));
    let prev = checksumOfHeader(log.header);
    for (const r of read) {
      expect(r.body).toBe(encodeRecord(r.record));
      expect(r.checksum).toBe(recordChecksum(prev, r.seq, r.body));
      prev = r.checksum;
    }
    expect(log.endMarker()).toEqual({ lastSeq: records.length, lastChecksum: prev });
    expect(log.verify()).toMatchObject({ ok: true, records: records.length, closed: true, error: null });
    log.close();
  });

  it('append buffers; commit writes one transaction that a concurrent reader sees whole or not at all', () => {
    const path = join(tempDir(), 'run.log');
    const w = LogWriter.create(path, testHeader);
    expect(w.append(sampleRecord(1), sampleRecord(2))).toBe(2);
    expect(w.commit()).toBe(2);
    const reader = openLog(path);
    w.append(sampleRecord(3), sampleRecord(4), sampleRecord(5));
    expect(w.pendingCount).toBe(3);
    // "durable at operation boundaries": nothing of the open batch is visible before commit().
    expect([...reader.records()].map((r) => r.seq)).toEqual([1, 2]);
    expect(reader.endMarker()).toBeNull();
    w.commit();
    expect([...reader.records()].map((r) => r.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(reader.verify()).toMatchObject({ ok: true, records: 5, closed: false });
    reader.close();
    w.close();
  });

  it('a commit larger than the memory bound goes to the open transaction: still invisible until commit()', () => {
    const path = join(tempDir(), 'run.log');
    const w = LogWriter.create(path, testHeader);
    w.append(sampleRecord(1));
    w.commit();
    const reader = openLog(path);
    const n = PENDING_RECORDS_MAX * 2 + 5;
    for (let i = 0; i < n; i++) w.append(sampleRecord(2 + i));
    expect(w.pendingCount).toBe(n);
    // Most of the batch is in SQLite's open transaction by now, none of it visible to a reader.
    expect([...reader.records()].map((r) => r.seq)).toEqual([1]);
    expect(w.commit()).toBe(n + 1);
    expect(w.pendingCount).toBe(0);
    expect(reader.verify()).toMatchObject({ ok: true, records: n + 1, closed: false });
    reader.close();
    w.close();
  });

  it('a bad record throws at append naming the field, and nothing of that call is buffered', () => {
    const w = LogWriter.create(join(tempDir(), 'run.log'), testHeader);
    w.append(sampleRecord(1));
    const bad = { ...examples.hypercall, status: -1n } as LogRecord;
    expect(() => w.append(sampleRecord(2), bad)).toThrow('hypercall.status: -1 does not fit u64');
    expect(w.lastSeq).toBe(1);
    expect(w.pendingCount).toBe(1);
    w.close();
    expect(() => w.append(sampleRecord(3))).toThrow('is closed');
  });

  it('create refuses a durability it does not know, naming the option, before it makes the file', () => {
    const path = join(tempDir(), 'run.log');
    for (const durability of ['off', 'NORMAL', 1])
      expect(() =>
        LogWriter.create(path, testHeader, { durability } as unknown as { durability: 'full' }),
      ).toThrow(
        new RangeError(
          `durability: ${typeof durability === 'string' ? `'${durability}'` : 'a number'} is not one of full, normal`,
        ),
      );
    expect(readdirSync(dirname(path))).toEqual([]);
  });

  it('never overwrites: create refuses an existing file or a stale -wal beside the path', () => {
    const dir = tempDir();
    const path = join(dir, 'run.log');
    writeLog(path, samples(3));
    const before = fileHash(path);
    expect(() => LogWriter.create(path, testHeader)).toThrow(/refusing to create log .*run\.log: it exists/);
    expect(fileHash(path)).toBe(before);
    // A log still being written (its -wal beside it) is named as existing, not as a stale -wal.
    const live = LogWriter.create(join(dir, 'live.log'), testHeader);
    live.append(samples(1)[0]!);
    live.commit();
    expect(() => LogWriter.create(join(dir, 'live.log'), testHeader)).toThrow(/live\.log: it exists;/);
    live.close();
    writeFileSync(join(dir, 'other.log-wal'), 'stale');
    expect(() => LogWriter.create(join(dir, 'other.log'), testHeader)).toThrow('other.log-wal exists');
  });

  it('opening for read never modifies the file: a closed log stays one file, byte for byte', () => {
    const dir = tempDir();
    const path = join(dir, 'run.log');
    writeLog(path, samples(300));
    expect(readdirSync(dir)).toEqual(['run.log']);
    const before = logFileHashes(path);
    const log = openLog(path);
    expect(log.verify().ok).toBe(true);
    expect([...exportLines(log)]).toHaveLength(302);
    log.latestSnapshot();
    log.close();
    expect(logFileHashes(path)).toEqual(before);
    expect(readdirSync(dir)).toEqual(['run.log']); // no -wal or -shm created beside a closed log
  });

  it('reading a log that is still being written changes neither the file nor its -wal', () => {
    const path = join(tempDir(), 'run.log');
    const w = writeLog(path, samples(200), 10, false);
    const before = logFileHashes(path);
    expect(before['log-wal']).not.toBe('absent');
    const log = openLog(path);
    expect(log.verify()).toMatchObject({ ok: true, records: 200, closed: false });
    log.close();
    const after = logFileHashes(path);
    expect(after.log).toBe(before.log);
    expect(after['log-wal']).toBe(before['log-wal']);
    w.close();
  });

  it('closing while a reader has the log open still closes it: complete, end marker, left in WAL mode', () => {
    const dir = tempDir();
    const path = join(dir, 'run.log');
    const w = writeLog(path, samples(40), 5, false);
    const reader = openLog(path);
    const walk = reader.records();
    walk.next(); // the reader is inside a read transaction
    w.close();
    walk.return(undefined);
    expect(reader.verify()).toMatchObject({ ok: true, records: 40, closed: true });
    reader.close();
    expect(readdirSync(dir)).toContain('run.log-wal');
    const again = openLog(path);
    expect(again.verify()).toMatchObject({ ok: true, records: 40, closed: true });
    again.close();
  });

  it('is deterministic: the same header and records give the same export and the same file bytes', () => {
    const [a, b] = [join(tempDir(), 'a.log'), join(tempDir(), 'b.log')];
    writeLog(a, samples(400));
    writeLog(b, samples(400));
    const exportOf = (p: string): string[] => {
      const log = openLog(p);
      const lines = [...exportLines(log)];
      log.close();
      return lines;
    };
    expect(exportOf(a)).toEqual(exportOf(b));
    expect(fileHash(a)).toBe(fileHash(b));
  });

  it('reads from a seq and finds the latest snapshot at or before a seq (restore from a snapshot)', () => {
    const path = join(tempDir(), 'run.log');
    writeLog(path, samples(260));
    const log = openLog(path);
    expect(log.latestSnapshot()?.seq).toBe(250);
    expect(log.latestSnapshot(249)?.seq).toBe(200);
    expect(log.latestSnapshot(49)).toBeNull();
    expect(log.latestSnapshot(100)?.record).toEqual(sampleRecord(100));
    const tail = [...log.records({ fromSeq: 251 })];
    expect(tail.map((r) => r.seq)).toEqual([251, 252, 253, 254, 255, 256, 257, 258, 259, 260]);
    expect(tail.map((r) => r.record)).toEqual(samples(260).slice(250));
    // Stopping early releases the walk: another one can start at once.
    for (const r of log.records()) if (r.seq === 3) break;
    expect([...log.records({ fromSeq: 259 })]).toHaveLength(2);
    expect(() => log.records({ fromSeq: 0 }).next()).toThrow('records.fromSeq: 0 is not a seq');
    log.close();
  });
});
