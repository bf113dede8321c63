import { CliError } from './CliError.js';
import type { CliIo } from './Command.js';
import { commands } from './commands/index.js';

/** Dispatch `argv` (without node and script) to a command; resolves to the exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    const topic = rest[0];
    const cmd = topic === undefined ? undefined : commands.find((c) => c.name === topic);
    io.out(cmd === undefined ? helpText() : cmd.usage);
    return 0;
  }
  const cmd = commands.find((c) => c.name === name);
  if (cmd === undefined) {
    io.err(`mshv-control: unknown command '${name}'. Run 'mshv-control help'.`);
    return 2;
  }
  try {
    return await cmd.run(rest, io);
  } catch (e) {
    if (e instanceof CliError) {
      io.err(`mshv-control ${name}: ${e.message}`);
      return e.exitCode;
    }
    throw e;
  }
}

export function helpText(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'mshv-control: drive, replay and model-check Microsoft-hypervisor partitions',
    '',
    'usage: mshv-control <command> [args]',
    '',
    'commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    "Run 'mshv-control help <command>' for a command's usage.",
  ].join('\n');
}
