import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { describe, expect, it } from 'vitest';
import { openLog } from '../../src/log/LogReader.js';
import { cli, importDirs, makeLog, writeJsonl } from './logCli.js';
import { useTempDir } from './tempDir.js';

const tempDir = useTempDir();

async function exported(log: string): Promise<string[]> {
  const r = await cli('log', 'export', log);
  expect(r).toMatchObject({ code: 0, err: [] });
  return r.out;
}

/** Delete record `seq` of a closed log through SQLite (the triggers dropped): a damaged log. */
function deleteRecord(log: string, seq: number): void {
  const db = new DatabaseSync(log);
  db.exec('DROP TRIGGER records_no_delete');
  db.prepare('DELETE FROM records WHERE seq = ?').run(seq);
  db.close();
}

/** `log import` with and without each option; every form must give `code` and the message. */
async function importEvery(
  jsonl: string,
  target: string,
  code: number,
  message: string,
  forms: readonly (readonly string[])[] = [
    [],
    ['--recompute-checksums'],
    ['--allow-unclosed'],
    ['--recompute-checksums', '--allow-unclosed'],
  ],
): Promise<void> {
  for (const flags of forms) {
    const r = await cli('log', 'import', jsonl, target, ...flags);
    expect(r.code, flags.join(' ')).toBe(code);
    expect(r.err, flags.join(' ')).toEqual([expect.stringContaining(message)]);
    expect(existsSync(target)).toBe(false);
  }
}

describe('an export stopped by damage never imports as a shorter, healthy log (review-cli 2)', () => {
  it('export of a damaged log ends with a damage line; import refuses it naming the seq and the damage, whatever the options', async () => {
    const dir = tempDir();
    const log = makeLog(dir, 53);
    deleteRecord(log, 20);
    const exp = await cli('log', 'export', log);
    expect(exp.code).toBe(1);
    expect(exp.out).toHaveLength(21); // header, seq 1..19, the damage line
    expect(JSON.parse(exp.out[20]!)).toEqual({
      damaged: true,
      seq: 20,
      problem: 'seq-gap',
      detail: 'missing: the next stored record is seq 21 (1 record(s) deleted)',
    });
    const jsonl = writeJsonl(join(dir, 'gap.jsonl'), exp.out);
    await importEvery(
      jsonl,
      join(dir, 'copy.log'),
      1,
      'gap.jsonl: line 21 (seq 20): the export stopped at damage in its log (seq-gap: missing: the next stored record is seq 21 (1 record(s) deleted)); the records after seq 19 were not exported',
    );
    expect(importDirs(dir)).toEqual([]);
  });

  it('a damage line that is not well-formed is bad input (exit 2)', async () => {
    const dir = tempDir();
    const lines = await exported(makeLog(dir, 5));
    const bad = [
      ...lines.slice(0, 3),
      '{"damaged":true,"seq":3,"problem":"checksum","detail":"x","extra":1}',
    ];
    await importEvery(
      writeJsonl(join(dir, 'bad.jsonl'), bad),
      join(dir, 'c.log'),
      2,
      'damaged.extra: unknown field',
    );
  });
});

describe('an export that shows no end is refused unless --allow-unclosed (review-cli 2)', () => {
  it('a closed log cut with head: exit 1 naming the last line; --allow-unclosed imports it unclosed and warns', async () => {
    const dir = tempDir();
    const lines = await exported(makeLog(dir, 53));
    const jsonl = writeJsonl(join(dir, 'head30.jsonl'), lines.slice(0, 30));
    const target = join(dir, 'h.log');
    await importEvery(
      jsonl,
      target,
      1,
      'head30.jsonl: line 30: no end line after seq 29, and the header line does not say the log was unclosed (unclosedLastSeq): the export was cut off, or is an unclosed log exported by an earlier build; --allow-unclosed imports it',
      [[], ['--recompute-checksums']],
    );
    const r = await cli('log', 'import', jsonl, target, '--allow-unclosed');
    expect(r.code).toBe(0);
    expect(r.out).toEqual([
      `imported 29 records into ${target} (the export had no end line: the log stays unclosed)`,
    ]);
    expect(r.err).toEqual([
      `warning: the export shows no end (no end line, no "unclosedLastSeq"); imported as an unclosed log ending at seq 29: if the export was cut off, the records after it are not in ${target}`,
    ]);
    const copy = openLog(target);
    expect(copy.verify()).toMatchObject({ ok: true, records: 29, closed: false });
    copy.close();
  });

  it('the export of an unclosed log says its last seq on the header line, and imports with exit 0', async () => {
    const dir = tempDir();
    const lines = await exported(makeLog(dir, 30, false));
    expect(lines).toHaveLength(31);
    expect(JSON.parse(lines[0]!)).toMatchObject({ format: 'mshv-control-log', unclosedLastSeq: 30 });
    const target = join(dir, 'copy.log');
    const r = await cli('log', 'import', writeJsonl(join(dir, 'a.jsonl'), lines), target);
    expect(r).toEqual({
      code: 0,
      out: [
        `imported 30 records into ${target} (the exported log was not closed: the new log stays unclosed too)`,
      ],
      err: [],
    });
    expect(await exported(target)).toEqual(lines);
  });

  it('an unclosed log’s export cut short, added to, or given an end line: exit 1 whatever the options', async () => {
    const dir = tempDir();
    const lines = await exported(makeLog(dir, 30, false));
    const closedLines = await exported(makeLog(dir, 31, true, 'closed.log'));
    const target = join(dir, 'copy.log');
    await importEvery(
      writeJsonl(join(dir, 'cut.jsonl'), lines.slice(0, 21)),
      target,
      1,
      'cut.jsonl: line 21: truncated: the header line says the log was not closed and its export holds records up to seq 30 (unclosedLastSeq), the records stop at seq 20',
    );
    await importEvery(
      writeJsonl(join(dir, 'added.jsonl'), [...lines, closedLines[31]!]),
      target,
      1,
      'added.jsonl: line 32 (seq 31): past the end: the header line says the log was not closed and its export holds records up to seq 30',
    );
    await importEvery(
      writeJsonl(join(dir, 'ended.jsonl'), [
        ...lines,
        `{"checksum":"${'0'.repeat(16)}","end":true,"lastSeq":30}`,
      ]),
      target,
      1,
      'ended.jsonl: line 32: an end line, but the header line says the log was not closed (unclosedLastSeq 30)',
    );
    expect(
      readdirSync(dir)
        .filter((n) => !n.startsWith('run.log'))
        .sort(),
    ).toEqual(['added.jsonl', 'closed.log', 'cut.jsonl', 'ended.jsonl']);
  });

  it('an unclosed log exported by an earlier build (no unclosedLastSeq) still imports, with --allow-unclosed', async () => {
    const dir = tempDir();
    const lines = await exported(makeLog(dir, 30, false));
    const header = JSON.parse(lines[0]!) as Record<string, unknown>;
    delete header.unclosedLastSeq;
    const old = [JSON.stringify(header), ...lines.slice(1)];
    const jsonl = writeJsonl(join(dir, 'old.jsonl'), old);
    const target = join(dir, 'copy.log');
    expect((await cli('log', 'import', jsonl, target)).code).toBe(1);
    const r = await cli('log', 'import', jsonl, target, '--allow-unclosed');
    expect(r.code).toBe(0);
    expect(await exported(target)).toEqual(lines);
  });
});

describe('an end line that does not match fails with --recompute-checksums too (review-log 9)', () => {
  it('an export cut to 59 records with its end line edited to lastSeq 59, or its end checksum edited', async () => {
    const dir = tempDir();
    const lines = await exported(makeLog(dir, 124));
    const end = lines.at(-1)!;
    const target = join(dir, 'x.log');
    await importEvery(
      writeJsonl(join(dir, 'end_mid.jsonl'), [
        ...lines.slice(0, 60),
        end.replace('"lastSeq":124', '"lastSeq":59'),
      ]),
      target,
      1,
      'end_mid.jsonl: line 61: end: checksum',
    );
    await importEvery(
      writeJsonl(join(dir, 'end_ck.jsonl'), [
        ...lines.slice(0, -1),
        end.replace(/"checksum":"[0-9a-f]{16}"/, `"checksum":"${'0'.repeat(16)}"`),
      ]),
      target,
      1,
      `end_ck.jsonl: line 126: end: checksum ${'0'.repeat(16)} differs from the last record's`,
    );
  });

  it('an edited record with its end line intact still imports with --recompute-checksums, closed', async () => {
    const dir = tempDir();
    const lines = await exported(makeLog(dir, 40));
    const i = lines.findIndex((l, n) => n > 0 && l.includes('"kind":"hypercall"'));
    const edited = [...lines];
    edited[i] = lines[i]!.replace(/"status":"0x[0-9a-f]{16}"/, '"status":"0x0000000000000005"');
    expect(edited[i]).not.toBe(lines[i]);
    const target = join(dir, 'x.log');
    const r = await cli(
      'log',
      'import',
      writeJsonl(join(dir, 'e.jsonl'), edited),
      target,
      '--recompute-checksums',
    );
    expect(r.code).toBe(0);
    const copy = openLog(target);
    expect(copy.verify()).toMatchObject({ ok: true, records: 40, closed: true });
    copy.close();
  });
});

describe('a line added after the end line is an integrity failure, exit 1 (log review item 9)', () => {
  it('a copy of a record line, or a second end line, after the end line: exit 1 whatever the options', async () => {
    const dir = tempDir();
    const lines = await exported(makeLog(dir, 12));
    const target = join(dir, 'copy.log');
    await importEvery(
      writeJsonl(join(dir, 'after_end.jsonl'), [...lines, lines[1]!]),
      target,
      1,
      'after_end.jsonl: line 15: a line after the end line (added)',
    );
    await importEvery(
      writeJsonl(join(dir, 'two_ends.jsonl'), [...lines, lines.at(-1)!]),
      target,
      1,
      'two_ends.jsonl: line 15: a line after the end line (added)',
    );
  });
});
