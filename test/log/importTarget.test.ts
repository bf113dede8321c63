import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ImportTargetError } from '../../src/log/ImportError.js';
import { importLog } from '../../src/log/importLog.js';
import { sweepStaleImports } from '../../src/log/importTarget.js';
import { openLog } from '../../src/log/LogReader.js';
import { cli, importDirs, makeLog } from './logCli.js';
import { fileHash, useTempDir } from './tempDir.js';

const tempDir = useTempDir();

/** Lines that fail the test if anything reads them: the target must be refused first. */
const untouchable: Iterable<string> = {
  [Symbol.iterator]() {
    throw new Error('the import read its input before checking the target');
  },
};

describe('log import checks its target before reading a line (review-cli 1, review-log 2)', () => {
  it.each(['-wal', '-journal', '-shm'])(
    'a stale %s beside the target: exit 2 naming it; nothing written, the side file untouched',
    async (side) => {
      const dir = tempDir();
      const log = makeLog(dir, 20);
      const other = makeLog(dir, 9, false, 'other.log'); // an unclosed log: its -wal holds its records
      expect((await cli('log', 'export', log)).code).toBe(0);
      const jsonl = join(dir, 'a.jsonl');
      writeFileSync(jsonl, `${(await cli('log', 'export', log)).out.join('\n')}\n`);
      const target = join(dir, 'copy.log');
      copyFileSync(side === '-journal' ? log : `${other}-wal`, `${target}${side}`);
      const before = fileHash(`${target}${side}`);
      const r = await cli('log', 'import', jsonl, target);
      expect(r.code).toBe(2);
      expect(r.err).toEqual([
        expect.stringContaining(`${target}: ${target}${side} exists beside it (left by another database`),
      ]);
      expect(existsSync(target)).toBe(false);
      expect(fileHash(`${target}${side}`)).toBe(before);
      expect(importDirs(dir)).toEqual([]);
    },
  );

  it('the library refuses the same way, before it reads its input (ImportTargetError)', async () => {
    const dir = tempDir();
    const target = join(dir, 'copy.log');
    writeFileSync(`${target}-wal`, 'stale');
    await expect(importLog(untouchable, target)).rejects.toThrow(ImportTargetError);
    await expect(importLog(untouchable, target)).rejects.toThrow(`${target}-wal exists beside it`);
    expect(readdirSync(dir)).toEqual(['copy.log-wal']);
  });

  it('an unusable target path exits 2 on one line, before any work: empty, a directory, a trailing /, a missing or non-directory parent, a dangling link', async () => {
    const dir = tempDir();
    const log = makeLog(dir, 5);
    const jsonl = join(dir, 'a.jsonl');
    writeFileSync(jsonl, `${(await cli('log', 'export', log)).out.join('\n')}\n`);
    mkdirSync(join(dir, 'sub'));
    symlinkSync(join(dir, 'nowhere.log'), join(dir, 'dangling.log'));
    const cases: [string, string][] = [
      ['', "'': not a file path (it is empty)"],
      [join(dir, 'sub'), `${join(dir, 'sub')}: is a directory`],
      [`${join(dir, 'newdir')}/`, `${join(dir, 'newdir')}/: not a file path (it ends with '/')`],
      [join(dir, 'no', 'x.log'), `no such directory ${join(dir, 'no')}`],
      [join(log, 'x.log'), `${log} is not a directory`],
      [join(dir, 'dangling.log'), 'exists: import writes a new log and never overwrites one'],
    ];
    for (const [target, message] of cases) {
      const r = await cli('log', 'import', jsonl, target);
      expect(r.code, target).toBe(2);
      expect(r.err).toHaveLength(1);
      expect(r.err[0]).toContain(message);
    }
    expect(readdirSync(dir).sort()).toEqual(['a.jsonl', 'dangling.log', 'run.log', 'sub']);
    expect(readdirSync(join(dir, 'sub'))).toEqual([]);
  });
});

/** This machine's name as an import directory carries it. */
const HOST =
  hostname()
    .replace(/[^A-Za-z0-9_]/g, '_')
    .slice(0, 64) || 'host';

/** The pid of a process that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
    encoding: 'utf8',
  });
  return Number(child.stdout);
}

describe('directories a killed import left behind (review-log 12)', () => {
  it('the next import of the same target removes the ones whose process is gone, and keeps and lists the others', async () => {
    const dir = tempDir();
    const log = makeLog(dir, 8);
    const jsonl = join(dir, 'a.jsonl');
    writeFileSync(jsonl, `${(await cli('log', 'export', log)).out.join('\n')}\n`);
    const mk = (name: string, files = ['log', 'log-wal', 'log-shm']): string => {
      mkdirSync(join(dir, name));
      for (const f of files) writeFileSync(join(dir, name, f), 'partial');
      return join(dir, name);
    };
    const dead = mk(`.copy.log.import-${HOST}-${deadPid()}-AbC123`);
    const alive = mk(`.copy.log.import-${HOST}-${process.pid}-XyZ789`); // this process: still running
    const elsewhere = mk(`.copy.log.import-otherhost_example-${deadPid()}-Qwe456`);
    const legacy = mk('.copy.log.import-Rty012'); // an earlier build's name: no process to ask
    const foreign = mk(`.copy.log.import-${HOST}-${deadPid()}-Uio345`, ['log', 'notes.txt']);
    const otherTarget = mk(`.other.log.import-${HOST}-${deadPid()}-Pas678`);
    const r = await cli('log', 'import', jsonl, join(dir, 'copy.log'));
    expect(r.code).toBe(0);
    expect(r.err).toEqual([
      `removed ${dead}: left by an import of ${join(dir, 'copy.log')} that was killed`,
      ...[elsewhere, foreign, legacy, alive]
        .sort()
        .map(
          (d) =>
            `note: ${d} is left by another import of ${join(dir, 'copy.log')} (still running, or killed): remove it if none is running`,
        ),
    ]);
    expect(existsSync(dead)).toBe(false);
    for (const d of [alive, elsewhere, legacy, foreign, otherTarget]) expect(existsSync(d)).toBe(true);
    const copy = openLog(join(dir, 'copy.log'));
    expect(copy.verify()).toMatchObject({ ok: true, records: 8, closed: true });
    copy.close();
  });

  it('sweepStaleImports ignores names that are not an import directory of that target', () => {
    const dir = tempDir();
    for (const n of ['.copy.log.import-', '.copy.log.import-x', '.copy.logx.import-h-1-AbC123', 'copy.log'])
      writeFileSync(join(dir, n), '');
    mkdirSync(join(dir, '.copy.log.import-h-1-too-long-name'));
    expect(sweepStaleImports(join(dir, 'copy.log'))).toEqual({ removed: [], kept: [] });
  });
});
