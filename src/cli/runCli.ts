import { CliError } from './CliError.js';
import type { CliIo } from './Command.js';
import { commands } from './commands/index.js';

/** `--help` or `-h`: anywhere after a command name, that command's usage. */
const isHelp = (a: string): boolean => a === '--help' || a === '-h';

/**
 * Dispatch `argv` (without node and script) to a command; resolves to the exit code. `help`,
 * `--help` and `-h` print the general help (exit 0); `help COMMAND` and `--help` anywhere after a
 * command name print that command's usage (exit 0). No command at all prints the general help on
 * stderr (exit 2). A CliError is printed as one line (its exit code, 2 unless it says otherwise);
 * any other error is the tool's own fault: one line `mshv-control NAME: internal error: …`, exit 3,
 * never a stack trace.
 *
 * @example
 * await runCli(['diagram', 'vp'], io); // 0, after io.out printed the Mermaid diagram
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    io.err(helpText());
    return 2;
  }
  if (name === 'help' || isHelp(name)) {
    const [topic, ...extra] = rest;
    if (extra.length > 0) {
      io.err(`mshv-control help: unexpected argument '${extra[0] ?? ''}': one command at a time`);
      return 2;
    }
    if (topic === undefined || isHelp(topic)) {
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
  // `mshv-control COMMAND ... --help ...` is the command's usage, whatever else is there.
  if (rest.some(isHelp)) {
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
    io.err(`mshv-control ${name}: internal error: ${internalMessage(e)}`);
    return 3;
  }
}

/** One line for an error that is not a CliError: its message (its first line), or what was thrown. */
function internalMessage(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text.split('\n')[0] ?? text;
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
    "Run 'mshv-control help <command>' (or 'mshv-control <command> --help') for a command's usage.",
    'Exit codes: 0 success, 1 the command found what it checks for (a failed step, a divergence, a',
    'violation, damage), 2 bad usage or input, 3 internal error (a fault of mshv-control itself).',
  ].join('\n');
}
