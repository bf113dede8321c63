import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeRecord } from '../../src/log/decodeRecord.js';
import { encodeRecord } from '../../src/log/encodeRecord.js';
import { exportLines } from '../../src/log/exportLog.js';
import { isCanonicalBody } from '../../src/log/isCanonicalBody.js';
import { LogError } from '../../src/log/LogError.js';
import { openLog } from '../../src/log/LogReader.js';
import { LogWriter } from '../../src/log/LogWriter.js';
import { recordArbitrary } from './recordArbitrary.js';
import { sampleRecord } from './sampleRecords.js';
import { editBody } from './tamper.js';
import { testHeader, useTempDir } from './tempDir.js';

const tempDir = useTempDir();

/** Same JSON values in other text: what a tool that parses and rewrites a body may leave. */
const rewrites: readonly ((body: string, at: number) => string)[] = [
  // whitespace at a place
  (b, at) => `${b.slice(0, at)} ${b.slice(at)}`,
  // one character as a \u escape (inside a string the value is unchanged)
  (b, at) => `${b.slice(0, at)}\\u${b.charCodeAt(at).toString(16).padStart(4, '0')}${b.slice(at + 1)}`,
  // a number with a fraction: 65 -> 65.0
  (b, at) =>
    /[0-9]/.test(b[at] ?? '') && !/[0-9]/.test(b[at + 1] ?? '')
      ? `${b.slice(0, at + 1)}.0${b.slice(at + 1)}`
      : b,
  // every object's keys in reverse order, JSON.stringify's escapes
  (b) => JSON.stringify(JSON.parse(b, (_k, v: unknown) => (isObject(v) ? reversed(v) : v))),
];

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function reversed(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).reverse());
}

/** The record `text` decodes to is `canonical`'s (same values), or null when it does not decode. */
function sameValues(text: string, canonical: string): boolean {
  try {
    return encodeRecord(decodeRecord(text)) === canonical;
  } catch {
    return false;
  }
}

describe('isCanonicalBody says what encodeRecord(record) === body says (log review item 4)', () => {
  it('for every record, its canonical body and any rewrite of it with the same values', () => {
    fc.assert(
      fc.property(recordArbitrary, fc.nat(), fc.nat({ max: rewrites.length - 1 }), (record, pos, which) => {
        const body = encodeRecord(record);
        expect(isCanonicalBody(record, body)).toBe(true);
        const text = rewrites[which]!(body, pos % body.length);
        if (sameValues(text, body)) expect(isCanonicalBody(record, text)).toBe(text === body);
      }),
      { numRuns: 600 },
    );
  });

  it('a hypercall rewritten at every character: only its own text is canonical', () => {
    const record = sampleRecord(6);
    expect(record.kind).toBe('hypercall');
    const body = encodeRecord(record);
    let rewritten = 0;
    for (const rewrite of rewrites)
      for (let at = 0; at < body.length; at += 1) {
        const text = rewrite(body, at);
        if (text === body || !sameValues(text, body)) continue;
        rewritten += 1;
        expect(isCanonicalBody(record, text), text).toBe(false);
      }
    expect(rewritten).toBeGreaterThan(100);
  });
});

/** A closed log of 12 sample records, seq `seq`'s body rewritten by `edit` and the chain recomputed after it. */
function editedLog(seq: number, edit: (body: string) => string): string {
  const path = join(tempDir(), 'edited.log');
  const w = LogWriter.create(path, testHeader);
  for (let s = 1; s <= 12; s += 1) w.append(sampleRecord(s));
  w.close();
  const original = encodeRecord(sampleRecord(seq));
  expect(editBody(path, seq, edit)).not.toBe(original);
  return path;
}

describe('a body with the same values in other text, its checksums recomputed, is named as an edit (log review item 4)', () => {
  const edits: readonly (readonly [string, number, (b: string) => string])[] = [
    ['a leading space (hypercall)', 6, (b) => ` ${b}`],
    ['spacing after a colon (hypercall)', 6, (b) => b.replace('"code":', '"code": ')],
    ['65.0 for 65 (hypercall code)', 6, (b) => b.replace(/"code":(\d+)/, '"code":$1.0')],
    [
      'a \\u0065 escape (hypercall kind)',
      6,
      (b) => b.replace('"kind":"hypercall"', '"kind":"hyp\\u0065rcall"'),
    ],
    ['a leading space (transition)', 5, (b) => ` ${b}`],
    [
      'keys reordered (transition)',
      5,
      (b) => JSON.stringify(reversed(JSON.parse(b) as Record<string, unknown>)),
    ],
  ];
  const kindOf = (seq: number): string => sampleRecord(seq).kind;

  it('the sample records edited are the kinds named', () => {
    expect([kindOf(6), kindOf(5)]).toEqual(['hypercall', 'transition']);
  });

  it.each(edits)('%s: verify() names the seq; the records before it are good', (_name, seq, edit) => {
    const log = openLog(editedLog(seq, edit));
    const v = log.verify();
    log.close();
    expect(v).toMatchObject({ ok: false, records: seq - 1, lastGoodSeq: seq - 1 });
    expect(v.error).toMatchObject({ seq, problem: 'undecodable' });
    expect(v.error?.message).toContain(
      `seq ${seq}: ${kindOf(seq)}: body is not canonical JSON: the log was edited`,
    );
  });

  it.each(edits)(
    '%s: export writes the lines before it, then a damage line naming it',
    (_name, seq, edit) => {
      const log = openLog(editedLog(seq, edit));
      const lines: string[] = [];
      expect(() => {
        for (const line of exportLines(log)) lines.push(line);
      }).toThrow(LogError);
      log.close();
      expect(lines).toHaveLength(1 + seq);
      for (const line of lines) expect(() => JSON.parse(line) as unknown).not.toThrow();
      expect(JSON.parse(lines.at(-1)!)).toMatchObject({ damaged: true, problem: 'undecodable', seq });
    },
  );

  it('records() of a deferred kind throws the same error when the record is read', () => {
    const log = openLog(editedLog(5, (b) => ` ${b}`));
    const it5 = [...log.records({ deferKinds: ['transition'] })].find((r) => r.seq === 5)!;
    expect(() => it5.record).toThrow('seq 5: transition: body is not canonical JSON');
    log.close();
  });
});
