import { createWriteStream, existsSync, readdirSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ImportError } from '../../src/log/ImportError.js';
import { importLog, LINE_CHARS_MAX } from '../../src/log/importLog.js';
import { jsonlLines } from '../../src/log/jsonlLines.js';
import { parseImportLine } from '../../src/log/parseImportLine.js';
import { cli, importDirs, makeLog, writeJsonl } from './logCli.js';
import { useTempDir } from './tempDir.js';

const tempDir = useTempDir();

async function collect(chunks: readonly (string | Uint8Array)[], max = 100): Promise<string[]> {
  async function* source(): AsyncGenerator<string | Uint8Array> {
    for (const c of chunks) yield await Promise.resolve(c);
  }
  const lines: string[] = [];
  for await (const l of jsonlLines(source(), max)) lines.push(l);
  return lines;
}

describe('jsonlLines: a bounded line splitter (review-cli 5)', () => {
  it('splits at \\n, \\r\\n and a lone \\r as readline does, across chunk boundaries; the last line needs no break', async () => {
    expect(await collect(['a\nb\r\nc\rd'])).toEqual(['a', 'b', 'c', 'd']);
    expect(await collect(['a\r', '\nb\r', 'c\n', '\n', 'd\n'])).toEqual(['a', 'b', 'c', '', 'd']);
    expect(await collect(['ab', 'cd', '\n'])).toEqual(['abcd']);
    expect(await collect(['\n\n'])).toEqual(['', '']);
    expect(await collect([])).toEqual([]);
  });

  it('decodes UTF-8 split across chunks; refuses bytes that are not UTF-8, naming the line; keeps a BOM', async () => {
    const e = new TextEncoder().encode('x\n"é✓"\n');
    expect(await collect([e.subarray(0, 4), e.subarray(4, 6), e.subarray(6)])).toEqual(['x', '"é✓"']);
    await expect(
      collect([new TextEncoder().encode('{}\n{}\n{"a":"'), Uint8Array.of(0xff, 0x22, 0x7d)]),
    ).rejects.toThrow('line 3: not UTF-8 text');
    expect(await collect([Uint8Array.of(0xef, 0xbb, 0xbf, 0x7b, 0x7d)])).toEqual(['\ufeff{}']);
  });

  it('refuses a line longer than the bound as soon as it passes it, without reading the rest', async () => {
    let pulled = 0;
    async function* endless(): AsyncGenerator<Uint8Array> {
      yield new TextEncoder().encode('{"header":1}\n');
      const chunk = new Uint8Array(1 << 16).fill(0x61);
      for (;;) {
        pulled += 1;
        yield await Promise.resolve(chunk);
      }
    }
    const max = 1 << 20;
    const lines: string[] = [];
    const run = async (): Promise<void> => {
      for await (const l of jsonlLines(endless(), max)) lines.push(l);
    };
    await expect(run()).rejects.toThrow(
      new ImportError(
        2,
        null,
        false,
        `more than LINE_CHARS_MAX (${max}) characters (the longest line an export holds)`,
      ),
    );
    expect(lines).toEqual(['{"header":1}']);
    expect(pulled).toBe(max / (1 << 16) + 1);
  });
});

describe('log import of an over-long line (review-cli 5)', () => {
  it('exit 2 naming the line and LINE_CHARS_MAX, no stack, no target, no import directory left', async () => {
    const dir = tempDir();
    const lines = (await cli('log', 'export', makeLog(dir, 3))).out;
    const file = join(dir, 'huge.jsonl');
    const out = createWriteStream(file);
    out.write(`${lines[0]!}\n{"seq":1,"x":"`);
    const block = 'a'.repeat(1 << 20);
    for (let i = 0; i <= LINE_CHARS_MAX >> 20; i += 1) out.write(block);
    out.end('"}\n');
    await once(out, 'finish');
    const r = await cli('log', 'import', file, join(dir, 'huge.log'));
    expect(r).toEqual({
      code: 2,
      out: [],
      err: [
        `mshv-control log: ${file}: line 2: more than LINE_CHARS_MAX (${LINE_CHARS_MAX}) characters (the longest line an export holds)`,
      ],
    });
    expect(existsSync(join(dir, 'huge.log'))).toBe(false);
    expect(importDirs(dir)).toEqual([]);
  });

  it('every failure removes the import directory: bad UTF-8, a failing input stream, an integrity failure', async () => {
    const dir = tempDir();
    const lines = (await cli('log', 'export', makeLog(dir, 10))).out;
    writeFileSync(
      join(dir, 'bin.jsonl'),
      Buffer.concat([Buffer.from(`${lines.slice(0, 4).join('\n')}\n`), Buffer.of(0xc3, 0x28)]),
    );
    const bin = await cli('log', 'import', join(dir, 'bin.jsonl'), join(dir, 'x.log'));
    expect(bin).toMatchObject({
      code: 2,
      err: [expect.stringContaining('bin.jsonl: line 5: not UTF-8 text')],
    });
    async function* failing(): AsyncGenerator<string> {
      yield await Promise.resolve(lines[0]!);
      yield lines[1]!;
      throw new Error('EIO: the disk went away');
    }
    await expect(importLog(failing(), join(dir, 'x.log'))).rejects.toThrow('EIO');
    const cut = writeJsonl(join(dir, 'cut.jsonl'), lines.slice(0, 5));
    expect((await cli('log', 'import', cut, join(dir, 'x.log'))).code).toBe(1);
    expect(readdirSync(dir).sort()).toEqual(['bin.jsonl', 'cut.jsonl', 'run.log']);
  });
});

describe('duplicate keys in a line are refused, naming the line and the key (review-cli 11, review-log 11)', () => {
  it('a record line that says two statuses, a doubled seq, a doubled header field, a nested key: exit 2, with or without --recompute-checksums', async () => {
    const dir = tempDir();
    const lines = (await cli('log', 'export', makeLog(dir, 30))).out;
    const hc = lines.findIndex((l, i) => i > 0 && l.includes('"kind":"hypercall"'));
    const intent = lines.findIndex(
      (l, i) => i > 0 && l.includes('"kind":"intent"') && l.includes('"args":{"'),
    );
    const cases: [number, (l: string) => string, string][] = [
      [
        hc,
        (l) => l.replace('"status":"', '"status":"0xffffffffffffffff","status":"'),
        "$.status: key 'status' appears twice",
      ],
      [hc, (l) => l.replace(/^\{"seq":(\d+),/, '{"seq":99,"seq":$1,'), "$.seq: key 'seq' appears twice"],
      [0, (l) => l.replace('"seed":"42"', '"seed":"43","seed":"42"'), "$.seed: key 'seed' appears twice"],
      [intent, (l) => l.replace('"args":{', '"args":{"gpa":"0x0",'), "$.args.gpa: key 'gpa' appears twice"],
      [
        hc,
        (l) => l.replace('"status":"', '"st\\u0061tus":"0x0000000000000001","status":"'),
        "$.status: key 'status' appears twice",
      ],
    ];
    for (const [index, edit, message] of cases) {
      const edited = [...lines];
      edited[index] = edit(lines[index]!);
      expect(edited[index]).not.toBe(lines[index]);
      const file = writeJsonl(join(dir, 'dup.jsonl'), edited);
      for (const flags of [[], ['--recompute-checksums']]) {
        const r = await cli('log', 'import', file, join(dir, 'dup.log'), ...flags);
        expect(r.code, message).toBe(2);
        expect(r.err).toEqual([
          expect.stringContaining(`dup.jsonl: line ${index + 1}: ${message} in one object (column `),
        ]);
        expect(existsSync(join(dir, 'dup.log'))).toBe(false);
      }
    }
  });

  it('parseImportLine accepts what JSON.parse does when no key repeats: whitespace, escapes, quotes and colons inside strings', () => {
    for (const text of [
      '{"a":1,"b":{"a":2},"c":[{"a":3},{"a":4}]}',
      '{ "a" : "x\\":\\"y" , "b" :"\\\\", "__proto__": {"a": null} }',
      '{"k":"a\\"b","k2":"\\u0022:"}',
    ])
      expect(parseImportLine(text, 1)).toEqual(JSON.parse(text));
    expect(() => parseImportLine('{"a":1,"b":2,"a":3}', 7)).toThrow(
      "line 7: $.a: key 'a' appears twice in one object (column 14)",
    );
  });
});

describe('header line problems name the line once', () => {
  it('a header field of the wrong type, a bad unclosedLastSeq: exit 2, "line 1:" said once', async () => {
    const dir = tempDir();
    const lines = (await cli('log', 'export', makeLog(dir, 3))).out;
    const cases: [string, string][] = [
      [lines[0]!.replace('"seed":"42"', '"seed":42'), 'line 1: header.seed: expected a string'],
      [
        lines[0]!.replace('"seed":"42"', '"seed":"42","unclosedLastSeq":-1'),
        'line 1: header.unclosedLastSeq: expected a non-negative integer',
      ],
    ];
    for (const [header, message] of cases) {
      const file = writeJsonl(join(dir, 'h.jsonl'), [header, ...lines.slice(1)]);
      const r = await cli('log', 'import', file, join(dir, 'h.log'));
      expect(r.code).toBe(2);
      expect(r.err).toEqual([`mshv-control log: ${file}: ${message}`]);
    }
  });
});
