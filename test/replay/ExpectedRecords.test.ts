import { describe, expect, it } from 'vitest';
import { recordChecksum } from '../../src/log/checksum.js';
import { encodeRecord } from '../../src/log/encodeRecord.js';
import type { LogRecord } from '../../src/log/LogRecord.js';
import { ExpectedRecords } from '../../src/replay/ExpectedRecords.js';
import type { LoggedRecord } from '../../src/replay/LoggedRecord.js';

const HEADER_CHECKSUM = '0123456789abcdef';

/** `n` transition records from seq 1 with bodies and chained checksums, as a log file gives them. */
function chain(n: number): LoggedRecord[] {
  const out: LoggedRecord[] = [];
  let prev = HEADER_CHECKSUM;
  for (let seq = 1; seq <= n; seq++) {
    const record: LogRecord = {
      kind: 'transition',
      machine: 'vm0',
      from: `s${seq}`,
      event: 'E',
      to: `s${seq + 1}`,
    };
    const body = encodeRecord(record);
    const checksum = recordChecksum(prev, seq, body) ?? '';
    out.push({ seq, kind: record.kind, record, body, checksum });
    prev = checksum;
  }
  return out;
}

/** An iterator over `records` that throws `error` where the records run out, counting reads. */
function failingAfter(
  records: readonly LoggedRecord[],
  error: Error,
): Iterator<LoggedRecord> & { reads: number } {
  let i = 0;
  return {
    reads: 0,
    next() {
      this.reads += 1;
      if (i < records.length) return { done: false, value: records[i++]! };
      throw error;
    },
  };
}

describe('ExpectedRecords: the log as replay consumes it', () => {
  it('reads ahead in batches, yet a read error surfaces only when the replay reaches its record', () => {
    const records = chain(300);
    const damage = new Error('seq 301: checksum mismatch');
    const source = failingAfter(records, damage);
    const expected = new ExpectedRecords(source, 1, true, HEADER_CHECKSUM);
    expect(expected.peek()?.seq).toBe(1);
    expect(source.reads).toBeGreaterThan(1); // a batch, not one row
    for (let seq = 1; seq < 300; seq++) {
      expect(expected.peek(1)?.seq).toBe(seq + 1);
      expect(expected.take()?.seq).toBe(seq);
    }
    // The record after 300 is the damaged one: looking at it throws, record 300 itself does not.
    expect(() => expected.peek(1)).toThrow(damage);
    expect(expected.take()?.seq).toBe(300);
    expect(expected.nextSeq).toBe(301);
    expect(() => expected.peek()).toThrow(damage);
    expect(() => expected.peek()).toThrow(damage);
  });

  it('peeks past the end as undefined, and finds damage at the next record after many takes', () => {
    const records = chain(200);
    const tampered = records.map((r) =>
      r.seq === 150 ? { ...r, body: (r.body ?? '').replace('"s150"', '"s15x"') } : r,
    );
    const expected = new ExpectedRecords(tampered[Symbol.iterator](), 1, true, HEADER_CHECKSUM);
    for (let seq = 1; seq < 150; seq++) {
      expect(expected.damageAt(seq)).toBeNull();
      expected.take();
    }
    expect(expected.damageAt(150)).toMatch(
      /^seq 150: checksum mismatch: stored [0-9a-f]{16}, computed [0-9a-f]{16}/,
    );
    expect(expected.damageAt(151)).toBeNull(); // not the next record
    for (let seq = 150; seq <= 200; seq++) expected.take();
    expect(expected.peek()).toBeUndefined();
    expect(expected.exhausted).toBe(true);
    expect(expected.taken).toBe(200);
  });
});
