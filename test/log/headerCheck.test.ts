import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LINE_CHARS_MAX } from '../../src/log/importLog.js';
import { canonicalHeader, HEADER_CHARS_MAX, makeHeader } from '../../src/log/LogHeader.js';
import { openLog } from '../../src/log/LogReader.js';
import { LogWriter } from '../../src/log/LogWriter.js';
import { cli, makeLog, writeJsonl } from './logCli.js';
import { sampleRecord } from './sampleRecords.js';
import { testHeader, useTempDir } from './tempDir.js';

const tempDir = useTempDir();

describe('a header text field with a lone UTF-16 surrogate is refused, naming the field (log review item 6)', () => {
  it.each([
    ['createdBy', 'mshv-control run \ud800.json', 17],
    ['productVersion', '0.1.0-\udc00', 6],
    ['nodeVersion', '\udbff24.0.0', 0],
  ] as const)('LogWriter.create refuses header.%s before it makes the file', (field, value, index) => {
    const path = join(tempDir(), 'run.log');
    expect(() => LogWriter.create(path, { ...testHeader, [field]: value })).toThrow(
      new TypeError(
        `header.${field}: a lone UTF-16 surrogate (\\u${value.charCodeAt(index).toString(16)} at index ${String(index)}) ` +
          'is not text SQLite can store (it would read back as U+FFFD, and the header would fail its checksum)',
      ),
    );
    expect(existsSync(path)).toBe(false);
  });

  it('a surrogate pair (any character beyond U+FFFF) is text: written, and read back with its checksum', () => {
    const path = join(tempDir(), 'run.log');
    const w = LogWriter.create(path, { ...testHeader, createdBy: 'mshv-control run \u{1f600}.json' });
    w.append(sampleRecord(1));
    w.close();
    const log = openLog(path);
    expect(log.header.createdBy).toBe('mshv-control run \u{1f600}.json');
    expect(log.verify().ok).toBe(true);
    log.close();
  });

  it('log import refuses such a header line: exit 2 naming the line and the field, with or without --recompute-checksums', async () => {
    const dir = tempDir();
    const exp = await cli('log', 'export', makeLog(dir, 8));
    expect(exp.code).toBe(0);
    const line = exp.out[0]!.replace('"createdBy":"test/log"', '"createdBy":"test/log \\ud800"');
    expect(line).not.toBe(exp.out[0]);
    const jsonl = writeJsonl(join(dir, 'sur.jsonl'), [line, ...exp.out.slice(1)]);
    for (const flags of [[], ['--recompute-checksums']]) {
      const target = join(dir, 'sur.log');
      const r = await cli('log', 'import', jsonl, target, ...flags);
      expect(r.code).toBe(2);
      expect(r.err).toEqual([
        expect.stringContaining(
          'sur.jsonl: line 1: header.createdBy: a lone UTF-16 surrogate (\\ud800 at index 9)',
        ),
      ]);
      expect(existsSync(target)).toBe(false);
    }
    expect(readdirSync(dir).sort()).toEqual(['run.log', 'sur.jsonl']);
  });
});

describe('a header is bounded (HEADER_CHARS_MAX) so its export line always imports (log review item 7)', () => {
  /** meta of one string, sized so the header's canonical text is `chars` long. */
  function metaFor(chars: number): { blob: string } {
    const base = canonicalHeader(makeHeader({ ...testHeader, meta: { blob: '' } })).length;
    return { blob: 'x'.repeat(chars - base) };
  }

  it('the bound leaves room on the export line for the format, the checksum and unclosedLastSeq', () => {
    const line = `{"checksum":"${'0'.repeat(16)}","format":"mshv-control-log","unclosedLastSeq":${String(Number.MAX_SAFE_INTEGER)},`;
    expect(HEADER_CHARS_MAX + line.length).toBeLessThanOrEqual(LINE_CHARS_MAX);
  });

  it('a meta one character over: refused naming header.meta and HEADER_CHARS_MAX, no file made', () => {
    const path = join(tempDir(), 'big.log');
    const meta = metaFor(HEADER_CHARS_MAX + 1);
    expect(() => LogWriter.create(path, { ...testHeader, meta })).toThrow(
      `header.meta: ${String(meta.blob.length + '{"blob":""}'.length)} characters make the header's canonical text ` +
        `${String(HEADER_CHARS_MAX + 1)} characters, above HEADER_CHARS_MAX (${String(HEADER_CHARS_MAX)}): its export line would not import`,
    );
    expect(existsSync(path)).toBe(false);
  });

  it('a header at the bound: the unclosed log exports, and its export imports and exports the same', async () => {
    const dir = tempDir();
    const path = join(dir, 'big.log');
    const w = LogWriter.create(path, { ...testHeader, meta: metaFor(HEADER_CHARS_MAX) });
    for (let seq = 1; seq <= 4; seq += 1) w.append(sampleRecord(seq));
    w.commit(); // left unclosed: its header line carries unclosedLastSeq too
    const exp = await cli('log', 'export', path);
    w.close();
    expect(exp.code).toBe(0);
    expect(exp.out[0]!.length).toBeGreaterThan(HEADER_CHARS_MAX);
    expect(exp.out[0]!.length).toBeLessThanOrEqual(LINE_CHARS_MAX);
    const target = join(dir, 'copy.log');
    const imp = await cli('log', 'import', writeJsonl(join(dir, 'big.jsonl'), exp.out), target);
    expect(imp.code, imp.err.join('\n')).toBe(0);
    expect((await cli('log', 'export', target)).out).toEqual(exp.out);
  });
});
