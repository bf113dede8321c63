import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CliError } from '../CliError.js';
import type { Command } from '../Command.js';
import { DEMO_SEED, runDemo } from '../demo/runDemo.js';
import { parseCliSeed } from '../parseNumber.js';
import { optionValue, parseOptions } from '../parseOptions.js';

const usage = `usage: mshv-control demo [--seed N]
The main job (npm start): a 4-VP, 4 GiB guest on the simulated hypervisor through the Host API:
boot by scripted exits, a dirty-page pass, pause and resume, close. The log goes to a new temporary
directory under $TMPDIR (its path is printed) and is checked afterwards. --seed N (also
--seed=N; a u32, decimal or 0x hex, default ${DEMO_SEED}) reproduces a run: everything printed but
the log path is the same for the same seed.
Exit 0 when every step and the log check passed, 1 otherwise, 2 on bad arguments or a $TMPDIR
where no directory can be made, 3 internal error (a fault of mshv-control itself).`;

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
    const dir = demoLogDir();
    return runDemo({ seed, logPath: join(dir, 'demo.log'), io });
  },
};

/**
 * `[--seed N]` (also `--seed=N`; a u32, decimal or 0x hex, as every command's `--seed`); anything
 * else is a CliError (exit 2).
 *
 * @example
 * parseDemoArgs(['--seed', '0x10']); // 16
 */
export function parseDemoArgs(args: readonly string[]): number {
  const parsed = parseOptions(args, { '--seed': 'value' }, usage);
  const [extra] = parsed.operands;
  if (extra !== undefined) throw new CliError(`unexpected argument '${extra}'\n${usage}`);
  const seed = optionValue(parsed, '--seed');
  return seed === undefined ? DEMO_SEED : parseCliSeed(seed);
}

/**
 * A new directory for the demo's log under the system's temporary directory ($TMPDIR); a CliError
 * (exit 2, one line) when it cannot be made there.
 *
 * @example
 * demoLogDir(); // '/tmp/mshv-demo-Xa3f9b'
 */
export function demoLogDir(): string {
  const parent = tmpdir();
  try {
    return mkdtempSync(join(parent, 'mshv-demo-'));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code !== 'string') throw e;
    throw new CliError(
      `cannot make a directory for the log in ${parent} (${code}): set TMPDIR to a writable directory`,
    );
  }
}
