import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLog } from '../../src/log/LogReader.js';
import { killAtReport } from './killAtReport.js';
import { cli, makeLog, writeJsonl } from './logCli.js';
import { transpileForChild } from './transpileForChild.js';

const CHILD = resolve(import.meta.dirname, 'fixtures/importChild.ts');

let work = '';
let moduleRoot = '';

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'mshv-import-kill-'));
  moduleRoot = join(work, 'modules');
  transpileForChild(['src/log/importLog.ts'], moduleRoot);
});

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

describe('an import killed with SIGKILL (review-log 12)', () => {
  it('leaves .NAME.import-HOST-PID-XXXXXX beside the target and no target; the next import removes it and succeeds', async () => {
    const dir = join(work, 'run');
    rmSync(dir, { recursive: true, force: true });
    const src = mkdtempSync(join(work, 'src-'));
    const lines = (await cli('log', 'export', makeLog(src, 200))).out;
    const jsonl = writeJsonl(join(work, 'a.jsonl'), lines);
    mkdirSync(dir);
    const target = join(dir, 'copy.log');
    expect(await killAtReport(CHILD, [moduleRoot, jsonl, target, '120'], ['fed'])).toBe(120);
    const left = readdirSync(dir);
    expect(left).toHaveLength(1);
    const host =
      hostname()
        .replace(/[^A-Za-z0-9_]/g, '_')
        .slice(0, 64) || 'host';
    expect(left[0]).toMatch(new RegExp(`^\\.copy\\.log\\.import-${host}-[0-9]+-[A-Za-z0-9]{6}$`));
    expect(existsSync(target)).toBe(false);
    const r = await cli('log', 'import', jsonl, target);
    expect(r.code).toBe(0);
    expect(r.err).toEqual([`removed ${join(dir, left[0]!)}: left by an import of ${target} that was killed`]);
    expect(readdirSync(dir)).toEqual(['copy.log']);
    const copy = openLog(target);
    expect(copy.verify()).toMatchObject({ ok: true, records: 200, closed: true });
    copy.close();
  });
});
