import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/Command.js';
import { runCli } from '../../src/cli/runCli.js';

const dir = mkdtempSync(join(tmpdir(), 'mshv-cli-files-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function run(...argv: string[]): Promise<{ code: number; err: string }> {
  const err: string[] = [];
  const io: CliIo = { out: () => undefined, err: (l) => err.push(l), isTty: false };
  return { code: await runCli(argv, io), err: err.join('\n') };
}

describe('a file argument that cannot be read exits 2 naming it and why, never with a stack trace', () => {
  it.each([
    [['run', dir], 'a directory, not a file'],
    [['trace', dir], 'a directory, not a file'],
    [['check', dir], 'a directory, not a file'],
    [['log', 'import', dir, join(dir, 'x.log')], 'not a regular file'],
    [['run', join(dir, 'absent.json')], 'no such file'],
    [['trace', join(dir, 'absent.json')], 'no such file'],
    [['check', '--out', join(dir, 'absent')], '--out: no such directory'],
    [
      ['run', 'docs/scenarios/boot-4k.json', '--log', join(dir, 'absent', 'x.log')],
      '--log: no such directory',
    ],
  ])('%j', async (argv, why) => {
    const r = await run(...argv);
    expect(r.code).toBe(2);
    expect(r.err).toContain(why);
    expect(r.err).not.toMatch(/\n\s+at /);
  });
});
