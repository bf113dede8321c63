import { readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { describe, expect, it } from 'vitest';
import { recordChecksum } from '../../src/log/checksum.js';
import { openLog } from '../../src/log/LogReader.js';
import type { LogRecord } from '../../src/log/LogRecord.js';
import { LogWriter } from '../../src/log/LogWriter.js';
import { sampleRecord } from './sampleRecords.js';
import { testHeader, useTempDir } from './tempDir.js';
import { openError, tamper } from './tamper.js';

const tempDir = useTempDir();
const COUNT = 100;

/** A closed log of COUNT records; seq 37 is an intent with a marker string to find in the bytes. */
function makeLog(): string {
  const path = join(tempDir(), 'run.log');
  const w = LogWriter.create(path, testHeader);
  for (let seq = 1; seq <= COUNT; seq += 1) {
    const r: LogRecord =
      seq === 37 ? { kind: 'intent', name: 'flip-target-X', args: { n: 1 } } : sampleRecord(seq);
    w.append(r);
    if (seq % 5 === 0) w.commit();
  }
  w.close();
  return path;
}

function verdictOf(path: string): { seq: number | null; problem: string; message: string; records: number } {
  const log = openLog(path);
  const v = log.verify();
  log.close();
  expect(v.ok).toBe(false);
  const e = v.error!;
  return { seq: e.seq, problem: e.problem, message: e.message, records: v.records };
}

describe('integrity: a damaged log gets an error naming the record (issue 5, "nothing is rewritten")', () => {
  it('the append-only triggers refuse UPDATE and DELETE through SQLite', () => {
    const path = makeLog();
    const db = new DatabaseSync(path);
    expect(() => {
      db.exec('DELETE FROM records WHERE seq = 5');
    }).toThrow('records is append-only');
    expect(() => {
      db.exec("UPDATE header SET seed = '1'");
    }).toThrow('header is append-only');
    db.close();
    expect(openLog(path).verify().ok).toBe(true);
  });

  it('a flipped byte in the file: checksum mismatch at that seq; the records before it still read', () => {
    const path = makeLog();
    const bytes = readFileSync(path);
    const at = bytes.indexOf('flip-target-X');
    expect(at).toBeGreaterThan(0);
    bytes[at + 'flip-target-'.length] = 'Y'.charCodeAt(0);
    writeFileSync(path, bytes);
    expect(verdictOf(path)).toMatchObject({ seq: 37, problem: 'checksum', records: 36 });
    expect(verdictOf(path).message).toMatch(
      /run\.log: seq 37: checksum mismatch: stored [0-9a-f]{16}, computed/,
    );
    const log = openLog(path);
    const seen: number[] = [];
    expect(() => {
      for (const r of log.records()) seen.push(r.seq);
    }).toThrow('seq 37: checksum mismatch');
    expect(seen).toHaveLength(36);
    log.close();
  });

  it('a deleted record: a seq gap naming the missing seq', () => {
    const path = makeLog();
    tamper(path, 'DELETE FROM records WHERE seq = 20');
    expect(verdictOf(path)).toMatchObject({ seq: 20, problem: 'seq-gap', records: 19 });
    expect(verdictOf(path).message).toContain('seq 20: missing: the next stored record is seq 21');
  });

  it.each([0, -1])(
    'a stray row at seq %i (inserted through SQLite): damage at seq 1, never skipped',
    (stray) => {
      const path = makeLog();
      tamper(
        path,
        'INSERT INTO records (seq, kind, body, checksum) SELECT ?, kind, body, checksum FROM records WHERE seq = 1',
        stray,
      );
      expect(verdictOf(path)).toMatchObject({ seq: 1, problem: 'seq-gap', records: 0 });
      expect(verdictOf(path).message).toContain(`seq 1: a stray row with seq ${stray} (seqs start at 1`);
    },
  );

  it('a swapped pair (rows moved with their checksums): the chain breaks at the first of them', () => {
    const path = makeLog();
    const db = new DatabaseSync(path, { readOnly: true });
    const rows = db
      .prepare('SELECT seq, kind, body, checksum FROM records WHERE seq IN (10, 11) ORDER BY seq')
      .all();
    db.close();
    const [a, b] = rows as { kind: string; body: string; checksum: string }[];
    tamper(
      path,
      'UPDATE records SET kind = ?, body = ?, checksum = ? WHERE seq = 10',
      b!.kind,
      b!.body,
      b!.checksum,
    );
    tamper(
      path,
      'UPDATE records SET kind = ?, body = ?, checksum = ? WHERE seq = 11',
      a!.kind,
      a!.body,
      a!.checksum,
    );
    expect(verdictOf(path)).toMatchObject({ seq: 10, problem: 'checksum', records: 9 });
  });

  it('a cut-off tail of a closed log: truncated, naming the first missing seq', () => {
    const path = makeLog();
    tamper(path, 'DELETE FROM records WHERE seq > 90');
    const v = verdictOf(path);
    expect(v).toMatchObject({ seq: 91, problem: 'truncated', records: 90 });
    expect(v.message).toContain(
      'seq 91: truncated: the log was closed at seq 100 but its records end at seq 90',
    );
  });

  it('records appended after the end marker are reported', () => {
    const path = makeLog();
    tamper(path, 'DELETE FROM end_marker');
    const db = new DatabaseSync(path);
    db.prepare('INSERT INTO end_marker (id, last_seq, last_checksum) VALUES (1, 99, ?)').run('0'.repeat(16));
    db.close();
    expect(verdictOf(path)).toMatchObject({ seq: 100, problem: 'end-marker' });
  });

  it('a truncated file: an error naming the seq where the readable records stop, never a silent short log', () => {
    const original = makeLog();
    const bytes = readFileSync(original);
    const stops: number[] = [];
    for (const fraction of [0.9, 0.6, 0.3]) {
      const path = `${original}.${fraction}`;
      writeFileSync(path, bytes);
      truncateSync(path, Math.floor(bytes.length * fraction));
      const e = openError(path);
      expect(e).toMatchObject({ problem: 'truncated', isBadInput: false });
      expect(e.message).toMatch(
        new RegExp(
          `seq (\\d+): the file is truncated: ${Math.floor(bytes.length * fraction)} bytes of the ${bytes.length} its SQLite header declares .*; (records are readable up to seq \\d+|no record is readable)$`,
        ),
      );
      stops.push(e.seq!);
    }
    // Less file, fewer readable records; never all of them.
    expect(stops[0]).toBeLessThanOrEqual(COUNT);
    expect([...stops].sort((a, b) => b - a)).toEqual(stops);
    expect(readFileSync(`${original}.0.9`)).toHaveLength(Math.floor(bytes.length * 0.9)); // only read
  });

  it('a body that decodes badly under a valid checksum: undecodable / unknown kind, naming the seq', () => {
    for (const [body, problem, detail] of [
      ['{"kind":"ioctl","v":1}', 'unknown-kind', "seq 100: unknown kind 'ioctl'"],
      ['{"kind":"snapshot","v":1}', 'undecodable', 'seq 100: snapshot.state: missing'],
      [
        '{"kind":"snapshot","state":null,"v":9}',
        'record-version',
        'seq 100: snapshot.v: version 9 is not supported',
      ],
    ] as const) {
      const path = makeLog();
      const db = new DatabaseSync(path, { readOnly: true });
      const prev = db.prepare('SELECT checksum FROM records WHERE seq = 99').get()!.checksum as string;
      db.close();
      tamper(
        path,
        'UPDATE records SET body = ?, checksum = ? WHERE seq = 100',
        body,
        recordChecksum(prev, 100, body)!,
      );
      const v = verdictOf(path);
      expect(v).toMatchObject({ seq: 100, problem, records: 99 });
      expect(v.message).toContain(detail);
    }
  });

  it('a kind column that disagrees with the body', () => {
    const path = makeLog();
    tamper(path, "UPDATE records SET kind = 'snapshot' WHERE seq = 37");
    expect(verdictOf(path)).toMatchObject({ seq: 37, problem: 'kind-mismatch' });
  });

  it('header missing, unsupported format version, edited header', () => {
    let path = makeLog();
    tamper(path, 'DROP TABLE header');
    expect(openError(path)).toMatchObject({ problem: 'header-missing', seq: null });
    path = makeLog();
    tamper(path, 'UPDATE header SET format_version = 2');
    expect(openError(path).message).toContain(
      'header: format version 2 is not supported (this build reads format 1)',
    );
    path = makeLog();
    tamper(path, "UPDATE header SET seed = '43'");
    expect(openError(path)).toMatchObject({ problem: 'header-checksum' });
  });

  it('files that are not logs: bad input, not damage', () => {
    const dir = tempDir();
    expect(openError(join(dir, 'missing.log'))).toMatchObject({ problem: 'not-a-log', isBadInput: true });
    writeFileSync(
      join(dir, 'text.log'),
      'hello, this is not SQLite at all, just some text bytes\n'.repeat(200),
    );
    expect(openError(join(dir, 'text.log'))).toMatchObject({ problem: 'not-a-log' });
    const other = new DatabaseSync(join(dir, 'other.db'));
    other.exec('CREATE TABLE t (x)');
    other.close();
    expect(openError(join(dir, 'other.db')).message).toContain('not an mshv-control log');
    writeFileSync(join(dir, 'empty.log'), '');
    expect(openError(join(dir, 'empty.log'))).toMatchObject({ problem: 'header-missing', isBadInput: false });
  });
});
