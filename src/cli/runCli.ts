import { CliError } from './CliError.js';
import type { CliIo } from './Command.js';
import { commands } from './commands/index.js';

/**
 * Dispatch `argv` (without node and script) to a command; resolves to the exit code.
 *
 * @example
 * await runCli(['diagram', 'vp'], io); // 0, after io.out printed the Mermaid diagram
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    const topic = rest[0];
    if (topic === undefined) {
      io.out(helpText());
      return 0;
    }
    const known = commands.find((c) => c.name === topic);
    if (known === undefined) return unknownCommand(topic, io);
    io.out(known.usage);
    return 0;
  }
  const cmd = commands.find((c) => c.name === name);
  if (cmd === undefined) return unknownCommand(name, io);
  // `mshv-control COMMAND --help` is the command's usage, whatever else follows.
  if (rest[0] === '--help' || rest[0] === '-h') {
    io.out(cmd.usage);
    return 0;
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

function unknownCommand(name: string, io: CliIo): number {
  io.err(`mshv-control: unknown command '${name}'. Run 'mshv-control help'.`);
  return 2;
}

/**
 * The general help: every command with its one-line summary.
 *
 * @example
 * helpText().split('\n')[0]; // 'mshv-control: drive, replay and model-check Microsoft-hypervisor partitions'
 */
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
