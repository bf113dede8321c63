/**
 * Help and the command line's shape (CLI review findings 7, 9, 10): `--help` anywhere after a command
 * name is that command's usage; no command is a usage error; `help` takes one topic; help texts
 * show values, not source identifiers.
 */
import { describe, expect, it } from 'vitest';
import { commands } from '../../src/cli/commands/index.js';
import { LINE_CHARS_MAX } from '../../src/log/importLog.js';
import { runCaptured } from './runCaptured.js';

describe('--help anywhere after the command name (finding 7)', () => {
  it.each([
    ['run', 'docs/scenarios/vp-lifecycle.json', '--help'],
    ['check', '--workers', '2', '--help'],
    ['log', 'info', '--help'],
    ['decode', 'ioctl', '--help'],
    ['replay', 'x.log', '-h'],
    ['diagram', '--format', '--help'],
  ])('%s … prints its usage and exits 0', async (name, ...rest) => {
    const r = await runCaptured([name, ...rest]);
    expect(r.code).toBe(0);
    expect(r.err).toEqual([]);
    expect(r.out.join('\n')).toBe(commands.find((c) => c.name === name)?.usage);
  });
});

describe('no command, and help with more than a topic (finding 10)', () => {
  it('no command prints the general help on stderr and exits 2', async () => {
    const r = await runCaptured([]);
    expect(r.code).toBe(2);
    expect(r.out).toEqual([]);
    expect(r.err.join('\n')).toMatch(/^mshv-control: drive, replay and model-check/);
  });

  it('help, --help and help --help print the general help on stdout, exit 0', async () => {
    for (const argv of [['help'], ['--help'], ['-h'], ['help', '--help']]) {
      const r = await runCaptured(argv);
      expect(r.code, argv.join(' ')).toBe(0);
      expect(r.out.join('\n')).toMatch(/^mshv-control: drive, replay and model-check/);
    }
  });

  it('help run extra refuses the extra word (exit 2)', async () => {
    const r = await runCaptured(['help', 'run', 'extra']);
    expect(r.code).toBe(2);
    expect(r.out).toEqual([]);
    expect(r.err).toEqual(["mshv-control help: unexpected argument 'extra': one command at a time"]);
  });
});

describe('help texts show values (finding 9)', () => {
  it('help log states the longest line import takes, not the constant name', async () => {
    const r = await runCaptured(['help', 'log']);
    const text = r.out.join('\n');
    expect(text).not.toContain('LINE_CHARS_MAX');
    expect(text.replace(/\s+/g, ' ')).toContain(
      `Lines longer than ${LINE_CHARS_MAX.toLocaleString('en-US')} characters (16 MiB + 1 KiB)`,
    );
    expect(LINE_CHARS_MAX).toBe(16 * 1024 * 1024 + 1024);
  });

  it('no usage names an identifier in capitals with underscores', () => {
    for (const c of commands) expect(c.usage, c.name).not.toMatch(/\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\b/);
  });
});
