import { machineGraph } from '../../../machines/diagram/machineGraph.js';
import { toDot } from '../../../machines/diagram/toDot.js';
import { toMermaid } from '../../../machines/diagram/toMermaid.js';
import { partitionMachine } from '../../../machines/partition/partitionMachine.js';
import { vpMachine } from '../../../machines/vp/vpMachine.js';
import { CliError } from '../CliError.js';
import type { Command } from '../Command.js';
import { optionValue, parseOptions } from '../parseOptions.js';

const usage = `usage: mshv-control diagram partition|vp [--format mermaid|dot]
Prints the lifecycle machine as a diagram generated from its definition (default: mermaid).
--format takes its value as '--format V' or '--format=V', once. Exit codes: 0 printed, 2 bad usage.`;

const MACHINES = { partition: partitionMachine, vp: vpMachine } as const;
const FORMATS = { mermaid: toMermaid, dot: toDot } as const;

type MachineName = keyof typeof MACHINES;
type FormatName = keyof typeof FORMATS;

const isMachine = (s: string): s is MachineName => Object.hasOwn(MACHINES, s);
const isFormat = (s: string): s is FormatName => Object.hasOwn(FORMATS, s);

/**
 * Parse `partition|vp [--format mermaid|dot]` (also `--format=dot`); bad arguments exit 2.
 *
 * @example
 * parseDiagramArgs(['vp', '--format=dot']); // { machine: 'vp', format: 'dot' }
 */
export function parseDiagramArgs(args: readonly string[]): { machine: MachineName; format: FormatName } {
  const parsed = parseOptions(args, { '--format': 'value' }, usage);
  const format = optionValue(parsed, '--format') ?? 'mermaid';
  if (!isFormat(format)) throw new CliError(`unknown format '${format}': expected mermaid or dot`);
  const [machine, extra] = parsed.operands;
  if (machine === undefined) throw new CliError(`expected a machine: partition or vp\n${usage}`);
  if (!isMachine(machine)) throw new CliError(`unknown machine '${machine}': expected partition or vp`);
  if (extra !== undefined)
    throw new CliError(`unexpected argument '${extra}': one machine at a time\n${usage}`);
  return { machine, format };
}

export const diagramCommand: Command = {
  name: 'diagram',
  summary: 'print the partition or VP lifecycle machine as a Mermaid or Graphviz diagram',
  usage,
  run(args, io) {
    const { machine, format } = parseDiagramArgs(args);
    io.out(FORMATS[format](machineGraph(MACHINES[machine])));
    return 0;
  },
};
