/**
 * One option parser and one number parser for every command (CLI review findings 4, 5, 6): a flag
 * given twice is refused everywhere, `--opt=value` works wherever `--opt value` does, and integer
 * options follow one strict rule, stated in the message.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CliError } from '../../src/cli/CliError.js';
import { parseCheckArgs } from '../../src/cli/commands/check.js';
import { parseDemoArgs } from '../../src/cli/commands/demo.js';
import { parseCliInteger, parseCliSeed } from '../../src/cli/parseNumber.js';
import { parseOptions } from '../../src/cli/parseOptions.js';
import { runCaptured } from './runCaptured.js';

const dir = mkdtempSync(join(tmpdir(), 'mshv-cli-options-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const COUNTEREXAMPLE = 'docs/check/lost-completion.counterexample.json';
const MODEL = 'docs/check/lost-completion.json';

describe('parseOptions', () => {
  const spec = { '--out': 'value', '--dry-run': 'flag', '--from-snapshot': 'optional' } as const;

  it('takes --opt value and --opt=value alike, flags bare, operands in order', () => {
    const a = parseOptions(['x', '--out', 'd', '--dry-run', 'y'], spec, 'usage');
    const b = parseOptions(['x', '--out=d', '--dry-run', 'y'], spec, 'usage');
    for (const p of [a, b]) {
      expect(p.operands).toEqual(['x', 'y']);
      expect([...p.options]).toEqual([
        ['--out', 'd'],
        ['--dry-run', true],
      ]);
    }
    expect(parseOptions(['--from-snapshot=5'], spec, 'u').options.get('--from-snapshot')).toBe('5');
    expect(parseOptions(['--from-snapshot', 'a.log'], spec, 'u').operands).toEqual(['a.log']);
  });

  it.each([
    [['--out', 'a', '--out=b'], /^--out given more than once\nusage$/],
    [['--dry-run', '--dry-run'], /^--dry-run given more than once/],
    [['--dry-run=yes'], /^--dry-run takes no value/],
    [['--out'], /^--out needs a value/],
    [['--out='], /^--out needs a value/],
    [['--out', '--dry-run'], /^--out needs a value/],
    [['--nope'], /^unknown option '--nope'/],
    [['-x'], /^unknown option '-x'/],
    [['a.log', '--from-snapshot', '5'], /^--from-snapshot: its value is written --from-snapshot=5/],
  ])('%j is a CliError naming the option and the rule', (args, message) => {
    expect(() => parseOptions(args, spec, 'usage')).toThrow(CliError);
    expect(() => parseOptions(args, spec, 'usage')).toThrow(message);
  });
});

describe('parseCliInteger: one strict rule, named in the message', () => {
  it.each(['0x2', '1e0', ' 1', '1 ', '0b1', '0o1', '2.0', '+1', '-1', '', '1_0', 'Infinity'])(
    "decimal refuses '%s'",
    (text) => {
      expect(() => parseCliInteger(text, '--workers', 'decimal')).toThrow(
        `--workers: '${text}' is not a decimal number (digits only)`,
      );
    },
  );

  it('decimal-or-hex takes 0x and _ between digits, refuses the rest', () => {
    expect(parseCliInteger('0x10', '--seed', 'decimal-or-hex')).toBe(16n);
    expect(parseCliInteger('1_000', '--seed', 'decimal-or-hex')).toBe(1000n);
    for (const bad of ['0x', '1e3', ' 7', '0b1', '_1', '0x_1'])
      expect(() => parseCliInteger(bad, '--seed', 'decimal-or-hex')).toThrow(
        `--seed: '${bad}' is not a decimal or 0x-hex number`,
      );
  });

  it('names the range it left', () => {
    expect(() => parseCliInteger('0', '--workers', 'decimal', { min: 1n, max: 8n })).toThrow(
      '--workers: 0 is below 1',
    );
    expect(() => parseCliSeed('0x100000000')).toThrow(
      '--seed: 0x100000000 does not fit u32 (at most 4294967295)',
    );
  });
});

describe('--seed means the same on every command (finding 6)', () => {
  it('check --seed 0x10 and demo --seed 0x10 are both seed 16', () => {
    expect(parseCheckArgs(['--strategy', 'random', '--seed', '0x10']).seed).toBe(16);
    expect(parseCheckArgs(['--strategy=random', '--seed=16']).seed).toBe(16);
    expect(parseDemoArgs(['--seed', '0x10'])).toBe(16);
    expect(parseDemoArgs(['--seed=16'])).toBe(16);
  });

  it.each(['0x2', '1e0', ' 1', '0b1', '2.0'])(
    "check --workers '%s' and --time-limit '%s' exit 2 naming the option and the rule",
    async (text) => {
      for (const option of ['--workers', '--time-limit']) {
        const r = await runCaptured(['check', MODEL, option, text, '--out', dir]);
        expect(r.code).toBe(2);
        expect(r.err[0]).toBe(
          `mshv-control check: ${option}: '${text}' is not a decimal number (digits only)`,
        );
      }
    },
  );
});

describe('an option given twice is refused by every command (finding 4)', () => {
  it.each([
    [['check', MODEL, '--strategy', 'bfs', '--strategy', 'dfs'], '--strategy'],
    [['check', MODEL, '--workers', '1', '--workers=2'], '--workers'],
    [['check', MODEL, '--time-limit', '1', '--time-limit', '2'], '--time-limit'],
    [['check', MODEL, '--out', dir, '--out', dir], '--out'],
    [['check', MODEL, '--crash-inside', '--crash-inside'], '--crash-inside'],
    [['check', MODEL, '--crash-points', 'states', '--crash-points=transitions'], '--crash-points'],
    [['check', MODEL, '--strategy', 'random', '--seed', '1', '--seed', '2'], '--seed'],
    [['demo', '--seed', '1', '--seed', '2'], '--seed'],
    [['probe', '--device', 'a', '--device', 'b'], '--device'],
    [['run', 'docs/scenarios/vp-lifecycle.json', '--log', 'a', '--log=b'], '--log'],
    [['replay', 'x.log', '--no-cross-check', '--no-cross-check'], '--no-cross-check'],
    [['recover', 'x.log', '--from-snapshot', '--from-snapshot'], '--from-snapshot'],
    [['diagram', 'vp', '--format=dot', '--format', 'dot'], '--format'],
    [['log', 'import', 'a.jsonl', 'b.log', '--allow-unclosed', '--allow-unclosed'], '--allow-unclosed'],
  ])('%j exits 2 naming %s', async (argv, option) => {
    const r = await runCaptured(argv);
    expect(r.code).toBe(2);
    expect(r.err[0]).toMatch(new RegExp(`^mshv-control ${argv[0] ?? ''}: ${option} given more than once`));
    expect(r.out).toEqual([]);
  });
});

describe('--opt=value wherever --opt value (finding 5)', () => {
  it('run --log=LOG writes the log', async () => {
    const log = join(dir, 'eq.log');
    const r = await runCaptured([
      'run',
      'docs/scenarios/vp-lifecycle.json',
      `--log=${log}`,
      '--durability=normal',
    ]);
    expect(r.code).toBe(0);
    expect(r.out.join('\n')).toContain(`log: ${log}: `);
    expect(r.out.join('\n')).toContain('normal durability');
  });

  it('replay --from-snapshot 5 names the form to write, not the value', async () => {
    const r = await runCaptured(['replay', join(dir, 'eq.log'), '--from-snapshot', '5']);
    expect(r.code).toBe(2);
    expect(r.err[0]).toMatch(
      /^mshv-control replay: --from-snapshot: its value is written --from-snapshot=5, in one argument/,
    );
  });
});

describe('check COUNTEREXAMPLE.json takes no option (finding 3)', () => {
  it.each([
    [['--strategy', 'random'], '--strategy'],
    [['--seed', '3'], '--seed'],
    [['--workers', '2'], '--workers'],
    [['--time-limit', '1'], '--time-limit'],
    [['--out', dir], '--out'],
    [['--crash-inside'], '--crash-inside'],
    [['--crash-points', 'transitions'], '--crash-points'],
  ])('%j exits 2 naming the option; nothing is re-run', async (options, option) => {
    const r = await runCaptured(['check', COUNTEREXAMPLE, ...options]);
    expect(r.code).toBe(2);
    expect(r.err[0]).toMatch(
      new RegExp(
        `^mshv-control check: ${option}: .* is a counterexample, which is re-run as recorded, not explored`,
      ),
    );
    expect(r.out).toEqual([]);
  });

  it('documents it in the usage', async () => {
    const r = await runCaptured(['check', '--help']);
    expect(r.out.join(' ').replace(/\s+/g, ' ')).toContain('it takes no option (each is refused, exit 2)');
  });
});
