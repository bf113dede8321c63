import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { describe, expect, it } from 'vitest';
import { LogError } from '../../src/log/LogError.js';
import { openLog, type ReadOptions } from '../../src/log/LogReader.js';
import { LogWriter } from '../../src/log/LogWriter.js';
import { sampleRecord } from './sampleRecords.js';
import { testHeader, useTempDir } from './tempDir.js';

const tempDir = useTempDir();
const COUNT = 100;
/** What replay recomputes by default: every kind but hypercalls (src/replay/ReplaySource.ts). */
const EXCEPT_HYPERCALLS = ['intent', 'snapshot', 'transition', 'operation', 'result'];

function makeLog(): string {
  const path = join(tempDir(), 'run.log');
  const w = LogWriter.create(path, testHeader);
  for (let seq = 1; seq <= COUNT; seq += 1) w.append(sampleRecord(seq));
  w.close();
  return path;
}

/** The first seq whose record is of kind `kind` and whose next record's kind passes `next`. */
function seqWhere(kind: string, next: (k: string) => boolean): number {
  for (let seq = 1; seq < COUNT; seq += 1)
    if (sampleRecord(seq).kind === kind && next(sampleRecord(seq + 1).kind)) return seq;
  throw new Error(`no ${kind} record before such a kind`);
}

/** Zero a record's stored checksum (its body intact): the damage of review item 3. */
function zeroChecksum(path: string, seq: number): void {
  const db = new DatabaseSync(path);
  db.exec('DROP TRIGGER IF EXISTS records_no_update');
  db.prepare("UPDATE records SET checksum = '0000000000000000' WHERE seq = ?").run(seq);
  db.close();
}

function readError(path: string, options: ReadOptions): LogError | null {
  const log = openLog(path);
  try {
    Array.from(log.records(options), (r) => r.record);
    return null;
  } catch (e) {
    if (!(e instanceof LogError)) throw e;
    return e;
  } finally {
    log.close();
  }
}

describe('a damaged checksum column is named at its own record, even where it is not recomputed (review item 3)', () => {
  it('a hypercall before a recomputed record: the link breaks at the next record, the blame falls on the hypercall', () => {
    const path = makeLog();
    const seq = seqWhere('hypercall', (k) => k !== 'hypercall');
    zeroChecksum(path, seq);
    expect(readError(path, { checksumKinds: EXCEPT_HYPERCALLS })).toMatchObject({ seq, problem: 'checksum' });
    expect(readError(path, { checksumKinds: EXCEPT_HYPERCALLS })?.message).toContain(
      `seq ${seq}: checksum mismatch: stored 0000000000000000, computed`,
    );
    expect(readError(path, {})).toMatchObject({ seq, problem: 'checksum' });
  });

  it('a record right before an intent, read recomputing only the inputs: named at its own seq, not the intent’s', () => {
    const path = makeLog();
    const seq = seqWhere('result', (k) => k === 'intent');
    zeroChecksum(path, seq);
    expect(readError(path, { checksumKinds: ['intent', 'snapshot'] })).toMatchObject({
      seq,
      problem: 'checksum',
    });
  });

  it('the last record of a closed log: its own checksum is blamed, not the end marker', () => {
    const path = makeLog();
    expect(sampleRecord(COUNT).kind).not.toBe('intent');
    zeroChecksum(path, COUNT);
    expect(readError(path, { checksumKinds: ['intent'] })).toMatchObject({ seq: COUNT, problem: 'checksum' });
  });

  it('an intact log reads through with every policy', () => {
    const path = makeLog();
    for (const options of [{}, { checksumKinds: EXCEPT_HYPERCALLS }, { checksumKinds: ['intent'] }])
      expect(readError(path, options)).toBeNull();
  });
});
