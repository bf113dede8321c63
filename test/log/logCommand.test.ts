import { existsSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { describe, expect, it } from 'vitest';
import { openLog } from '../../src/log/LogReader.js';
import { RECORD_KINDS } from '../../src/log/LogRecord.js';
import { sampleRecord } from './sampleRecords.js';
import { checkpointedCrash } from './checkpointedCrash.js';
import { cli, makeLog } from './logCli.js';
import { tamper } from './tamper.js';
import { fileHash, useTempDir } from './tempDir.js';

const tempDir = useTempDir();

/** Export a log to a .jsonl file; returns the lines. */
async function exportTo(log: string, jsonl: string): Promise<string[]> {
  const r = await cli('log', 'export', log);
  expect(r).toMatchObject({ code: 0, err: [] });
  writeFileSync(jsonl, `${r.out.join('\n')}\n`);
  return r.out;
}

/** The first hypercall line whose status is not already 0x...0005; its index and seq. */
function hypercallLine(lines: readonly string[]): { index: number; seq: number } {
  const index = lines.findIndex((l, i) => i > 10 && l.includes('"kind":"hypercall"'));
  return { index, seq: (JSON.parse(lines[index]!) as { seq: number }).seq };
}

/** Change a hypercall line's status word, as the issue's acceptance test does. */
function editStatus(line: string): string {
  return line.replace(/"status":"0x[0-9a-f]{16}"/, '"status":"0x0000000000000005"');
}

describe('mshv-control log export | import | info', () => {
  it('export is the header line, one line per record, then the end line; export → import → export is identical', async () => {
    const dir = tempDir();
    const log = makeLog(dir, 250);
    const lines = await exportTo(log, join(dir, 'a.jsonl'));
    expect(lines).toHaveLength(252);
    expect(JSON.parse(lines[0]!)).toMatchObject({ format: 'mshv-control-log', formatVersion: 1, seed: '42' });
    expect(lines[1]).toMatch(/^\{"seq":1,"checksum":"[0-9a-f]{16}","/);
    expect(JSON.parse(lines[251]!)).toMatchObject({ end: true, lastSeq: 250 });
    const copy = join(dir, 'copy.log');
    const imported = await cli('log', 'import', join(dir, 'a.jsonl'), copy);
    expect(imported).toEqual({ code: 0, out: [`imported 250 records into ${copy}`], err: [] });
    expect((await cli('log', 'export', copy)).out).toEqual(lines);
    expect(readdirSync(dir).sort()).toEqual(['a.jsonl', 'copy.log', 'run.log']); // no temp files left
  });

  it('an export of a log that was never closed has no end line, and its import stays unclosed', async () => {
    const dir = tempDir();
    const log = makeLog(dir, 30, false);
    const lines = await exportTo(log, join(dir, 'a.jsonl'));
    expect(lines).toHaveLength(31);
    const copy = join(dir, 'copy.log');
    expect((await cli('log', 'import', join(dir, 'a.jsonl'), copy)).code).toBe(0);
    expect((await cli('log', 'export', copy)).out).toEqual(lines);
    expect((await cli('log', 'info', copy)).out).toContain(
      'closed: no (no end marker: the writer crashed or is still writing; valid up to its last commit)',
    );
  });

  it('import refuses an edited record by default, naming it (exit 1), and leaves no file', async () => {
    const dir = tempDir();
    const lines = await exportTo(makeLog(dir, 120), join(dir, 'a.jsonl'));
    const { index, seq } = hypercallLine(lines);
    const edited = [...lines];
    edited[index] = editStatus(lines[index]!);
    expect(edited[index]).not.toBe(lines[index]);
    writeFileSync(join(dir, 'edited.jsonl'), `${edited.join('\n')}\n`);
    const r = await cli('log', 'import', join(dir, 'edited.jsonl'), join(dir, 'copy.log'));
    expect(r.code).toBe(1);
    expect(r.err).toHaveLength(1);
    expect(r.err[0]).toContain(`edited.jsonl: line ${index + 1} (seq ${seq}): hypercall: checksum mismatch`);
    expect(r.err[0]).toContain('--recompute-checksums accepts edits');
    expect(existsSync(join(dir, 'copy.log'))).toBe(false);
    expect(readdirSync(dir).sort()).toEqual(['a.jsonl', 'edited.jsonl', 'run.log']);
  });

  it('--recompute-checksums accepts the edit, lists exactly the edited record, and the new log verifies', async () => {
    const dir = tempDir();
    const lines = await exportTo(makeLog(dir, 120), join(dir, 'a.jsonl'));
    const { index, seq } = hypercallLine(lines);
    const edited = [...lines];
    edited[index] = editStatus(lines[index]!);
    writeFileSync(join(dir, 'edited.jsonl'), `${edited.join('\n')}\n`);
    const copy = join(dir, 'copy.log');
    const r = await cli('log', 'import', join(dir, 'edited.jsonl'), copy, '--recompute-checksums');
    expect(r.code).toBe(0);
    expect(r.err[0]).toMatch(
      new RegExp(
        `^line ${index + 1} \\(seq ${seq}, hypercall\\): edited; checksum [0-9a-f]{16} -> [0-9a-f]{16}$`,
      ),
    );
    expect(r.err[1]).toBe(`recomputed: 1 edited record(s); ${120 - seq} later record(s) re-chained`);
    const log = openLog(copy);
    expect(log.verify()).toMatchObject({ ok: true, records: 120 });
    const rec = [...log.records()].find((x) => x.seq === seq)!.record;
    expect(rec).toMatchObject({ kind: 'hypercall', status: 5n });
    log.close();
    // Only the edited line's content changed; the records before it kept their checksums.
    const again = (await cli('log', 'export', copy)).out;
    expect(again.slice(0, index)).toEqual(lines.slice(0, index));
    expect(again[index]!.replace(/"checksum":"[0-9a-f]{16}"/, '')).toBe(
      edited[index].replace(/"checksum":"[0-9a-f]{16}"/, ''),
    );
  });

  it('an edited header line fails by default; --recompute-checksums accepts it and re-chains every record', async () => {
    const dir = tempDir();
    const lines = await exportTo(makeLog(dir, 20), join(dir, 'a.jsonl'));
    const edited = [lines[0]!.replace('"seed":"42"', '"seed":"43"'), ...lines.slice(1)];
    writeFileSync(join(dir, 'edited.jsonl'), `${edited.join('\n')}\n`);
    const refused = await cli('log', 'import', join(dir, 'edited.jsonl'), join(dir, 'copy.log'));
    expect(refused.code).toBe(1);
    expect(refused.err[0]).toContain('line 1: header: checksum mismatch');
    const r = await cli(
      'log',
      'import',
      join(dir, 'edited.jsonl'),
      join(dir, 'copy.log'),
      '--recompute-checksums',
    );
    expect(r.code).toBe(0);
    expect(r.err).toEqual([
      'header: edited; checksum recomputed',
      'recomputed: 0 edited record(s) and the header; 20 later record(s) re-chained',
    ]);
    const log = openLog(join(dir, 'copy.log'));
    expect(log.header.seed).toBe('43');
    expect(log.verify()).toMatchObject({ ok: true, records: 20, closed: true });
    log.close();
  });

  it('a deleted, reordered or cut-off line fails even with --recompute-checksums', async () => {
    const dir = tempDir();
    const lines = await exportTo(makeLog(dir, 60), join(dir, 'a.jsonl'));
    const cases: [string, string[], string][] = [
      [
        'deleted',
        lines.filter((_, i) => i !== 20),
        'line 21 (seq 21): seq gap: expected seq 20 (1 record(s) missing before this line)',
      ],
      [
        'swapped',
        [...lines.slice(0, 5), lines[6]!, lines[5]!, ...lines.slice(7)],
        'line 6 (seq 6): seq gap: expected seq 5',
      ],
      [
        'cut off',
        [...lines.slice(0, 50), lines[61]!],
        'line 51: truncated: the end line says the log ends at seq 60, the records stop at seq 49',
      ],
    ];
    for (const [what, content, message] of cases) {
      for (const flags of [[], ['--recompute-checksums']]) {
        const file = join(dir, `${what.replace(' ', '-')}.jsonl`);
        writeFileSync(file, `${content.join('\n')}\n`);
        const r = await cli('log', 'import', file, join(dir, 'copy.log'), ...flags);
        expect(r.code, `${what} ${flags.join(' ')}`).toBe(1);
        expect(r.err[0]).toContain(message);
        expect(existsSync(join(dir, 'copy.log'))).toBe(false);
      }
    }
  });

  it('import input errors exit 2: existing target, missing file, a line that is not JSON, not an export', async () => {
    const dir = tempDir();
    const log = makeLog(dir, 5);
    const lines = await exportTo(log, join(dir, 'a.jsonl'));
    const before = fileHash(log);
    const exists = await cli('log', 'import', join(dir, 'a.jsonl'), log);
    expect(exists.code).toBe(2);
    expect(exists.err[0]).toContain('exists: import writes a new log and never overwrites one');
    expect(fileHash(log)).toBe(before);
    expect((await cli('log', 'import', join(dir, 'none.jsonl'), join(dir, 'x.log'))).code).toBe(2);
    const noDir = await cli('log', 'import', join(dir, 'a.jsonl'), join(dir, 'no', 'x.log'));
    expect(noDir).toMatchObject({ code: 2, err: [expect.stringContaining('no such directory')] });
    writeFileSync(join(dir, 'bad.jsonl'), `${lines[0]!}\n{"seq":1,\n`);
    const bad = await cli('log', 'import', join(dir, 'bad.jsonl'), join(dir, 'x.log'));
    expect(bad.code).toBe(2);
    expect(bad.err[0]).toContain('bad.jsonl: line 2: not JSON');
    writeFileSync(join(dir, 'trace.jsonl'), '{"seq":1,"kind":"ioctl"}\n');
    const trace = await cli('log', 'import', join(dir, 'trace.jsonl'), join(dir, 'x.log'));
    expect(trace.code).toBe(2);
    expect(trace.err[0]).toContain('line 1: header: expected "format": "mshv-control-log" on the first line');
    expect(existsSync(join(dir, 'x.log'))).toBe(false);
    expect((await cli('log', 'import', join(dir, 'a.jsonl'))).code).toBe(2);
    expect((await cli('log', 'frobnicate', log)).code).toBe(2);
  });

  it('info prints the header, counts by kind, the seq range, closed and the integrity verdict', async () => {
    const dir = tempDir();
    const log = makeLog(dir, 200);
    const r = await cli('log', 'info', log);
    expect(r.code).toBe(0);
    const counts = Object.fromEntries(RECORD_KINDS.map((k) => [k, 0]));
    for (let seq = 1; seq <= 200; seq += 1) counts[sampleRecord(seq).kind]! += 1;
    expect(r.out).toEqual([
      `log: ${log}`,
      'format version: 1',
      'seed: 42',
      'product version: 0.1.0-test',
      'node version: 24.0.0-test',
      'created by: test/log',
      'meta: {"scenario":"boot"}',
      expect.stringMatching(/^header checksum: [0-9a-f]{16}$/),
      'records: 200 (seq 1..200)',
      ...RECORD_KINDS.map((k) => `  ${`${k}:`.padEnd(11)} ${counts[k]}`),
      'closed: yes (end marker at seq 200)',
      'integrity: ok (200 records, checksum chain verified)',
    ]);
    expect(counts.snapshot).toBe(4);
  });

  it('a damaged log: info and export exit 1 naming the record; export prints the records before it and a damage line', async () => {
    const dir = tempDir();
    const log = makeLog(dir, 40);
    const db = new DatabaseSync(log);
    db.exec('DROP TRIGGER records_no_delete');
    db.exec('DELETE FROM records WHERE seq = 17');
    db.close();
    const info = await cli('log', 'info', log);
    expect(info.code).toBe(1);
    expect(info.out.at(-1)).toBe(
      `integrity: FAILED after 16 good record(s): ${log}: seq 17: missing: the next stored record is seq 18 (1 record(s) deleted)`,
    );
    expect(info.out).toContain('records: 39 (seq 1..40)');
    const exp = await cli('log', 'export', log);
    expect(exp.code).toBe(1);
    expect(exp.out).toHaveLength(18);
    expect(exp.out.at(-2)).toMatch(/^\{"seq":16,/);
    expect(exp.out.at(-1)).toBe(
      '{"damaged":true,"detail":"missing: the next stored record is seq 18 (1 record(s) deleted)","problem":"seq-gap","seq":17}',
    );
    expect(exp.err).toEqual([
      `mshv-control log: ${log}: seq 17: missing: the next stored record is seq 18 (1 record(s) deleted)`,
    ]);
  });

  it('a file that is not a log exits 2', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'notes.txt'), 'not a database\n'.repeat(100));
    for (const sub of ['info', 'export']) {
      const r = await cli('log', sub, join(dir, 'notes.txt'));
      expect(r.code).toBe(2);
      expect(r.err[0]).toContain('not a SQLite database');
      expect((await cli('log', sub, join(dir, 'missing.log'))).err[0]).toContain('missing.log: no such file');
    }
    expect(readFileSync(join(dir, 'notes.txt'), 'utf8')).toBe('not a database\n'.repeat(100));
  });
});

describe('log info on damaged storage (review)', () => {
  it('quotes a damaged kind column printable: control bytes escaped, never written raw to a terminal', async () => {
    const dir = tempDir();
    const log = makeLog(dir, 20);
    tamper(log, 'UPDATE records SET kind = ? WHERE seq = 4', '\u001b[2J\u001b[31mhypercall');
    const info = await cli('log', 'info', log);
    expect(info.code).toBe(1);
    expect(info.out.join('\n')).not.toContain('\u001b');
    expect(info.out).toContainEqual(expect.stringMatching(/^ {2}\\x1b\[2J\\x1b\[31mhypercall: +1$/));
  });

  it('a crashed log whose main file was cut short: the verdict names the first record that does not read, not SQLite’s raw error', async () => {
    const { path: log } = checkpointedCrash(tempDir(), 'cut.log');
    truncateSync(log, Math.floor(statSync(log).size / 2 / 4096) * 4096 + 100);
    const info = await cli('log', 'info', log);
    expect(info.code).toBe(1);
    expect(info.out.at(-1)).toMatch(/^integrity: FAILED after \d+ good record\(s\): .*seq \d+/);
  });
});
