import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CliError } from '../CliError.js';
import type { Command } from '../Command.js';
import { DEMO_SEED, runDemo } from '../demo/runDemo.js';
import { parseCliBigint } from '../parseNumber.js';

const usage = `usage: mshv-control demo [--seed N]
The main job (npm start): a 4-VP, 4 GiB guest on the simulated hypervisor through the Host API:
boot by scripted exits, a dirty-page pass, pause and resume, close. The log goes to a new temporary
directory (its path is printed) and is checked afterwards. --seed N (u32, default ${DEMO_SEED})
reproduces a run: everything printed but the log path is the same for the same seed.
Exit 0 when every step and the log check passed, 1 otherwise, 2 on bad arguments.`;

/**
 * `mshv-control demo [--seed N]`: the demo (`npm start`).
 *
 * @example
 * await runCli(['demo', '--seed', '7'], io); // 0
 */
export const demoCommand: Command = {
  name: 'demo',
  summary: 'the main job (npm start): a 4-VP guest through the Host API, its log checked',
  usage,
  async run(args, io) {
    const seed = parseDemoArgs(args);
    const dir = mkdtempSync(join(tmpdir(), 'mshv-demo-'));
    return runDemo({ seed, logPath: join(dir, 'demo.log'), io });
  },
};

/**
 * `[--seed N]` (also `--seed=N`, decimal or 0x hex, u32); anything else is a CliError (exit 2).
 *
 * @example
 * parseDemoArgs(['--seed', '0x10']); // 16
 */
export function parseDemoArgs(args: readonly string[]): number {
  let seed = DEMO_SEED;
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? '';
    if (a === '--seed' || a.startsWith('--seed=')) {
      const value = a === '--seed' ? args[++i] : a.slice('--seed='.length);
      if (value === undefined || value === '') throw new CliError(`--seed needs a value\n${usage}`);
      seed = seedOf(value);
    } else throw new CliError(`unexpected argument '${a}'\n${usage}`);
  }
  return seed;
}

function seedOf(text: string): number {
  const n = parseCliBigint(text, '--seed');
  if (n > 0xffff_ffffn) throw new CliError(`--seed: '${text}' does not fit u32`);
  return Number(n);
}
