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
    [['run', 'docs/scenarios/boot-4k.json', '--log', `${dir}/`], `--log ${dir}/: EISDIR`],
    [
      ['run', 'docs/scenarios/boot-4k.json', '--log', join('docs/scenarios/boot-4k.json', 'x.log')],
      'ENOTDIR',
    ],
  ])('%j', async (argv, why) => {
    const r = await run(...argv);
    expect(r.code).toBe(2);
    expect(r.err).toContain(why);
    expect(r.err).not.toMatch(/\n\s+at /);
  });
});

describe('run and trace given a file of check say so and point to check (CLI review finding 8)', () => {
  it.each([
    ['run', 'docs/check/default-model.json', 'a check model (it has "intents", not "steps")'],
    ['trace', 'docs/check/lost-completion.json', 'a check model (it has "intents", not "steps")'],
    ['run', 'docs/check/lost-completion.counterexample.json', 'a counterexample of check (its "format")'],
  ])('%s %s', async (name, path, kind) => {
    const r = await run(name, path);
    expect(r.code).toBe(2);
    expect(r.err).toBe(
      `mshv-control ${name}: ${path}: this is ${kind}, not a scenario; run it with 'mshv-control check ${path}' (docs/guide/check.md)`,
    );
  });
});

describe('arguments a command cannot take exit 2 naming them', () => {
  it.each([
    [['help', 'nosuch'], "unknown command 'nosuch'"],
    [['trace', '--bogus', 'docs/scenarios/boot-4k.json'], "unknown option '--bogus'"],
    [
      ['run', 'docs/scenarios/boot-4k.json', '--log', join(dir, 'a.log'), '--log', join(dir, 'b.log')],
      '--log given more than once',
    ],
    [['diagram', 'vp', '--format', 'dot', '--format=mermaid'], '--format given more than once'],
  ])('%j', async (argv, why) => {
    const r = await run(...argv);
    expect(r.code).toBe(2);
    expect(r.err).toContain(why);
  });

  it('COMMAND --help prints the command usage and exits 0', async () => {
    const out: string[] = [];
    const io: CliIo = { out: (l) => out.push(l), err: () => undefined, isTty: false };
    expect(await runCli(['trace', '--help'], io)).toBe(0);
    expect(out.join('\n')).toMatch(/^usage: mshv-control trace SCENARIO/);
  });
});
