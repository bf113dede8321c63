import { machineGraph } from '../../../machines/diagram/machineGraph.js';
import { toDot } from '../../../machines/diagram/toDot.js';
import { toMermaid } from '../../../machines/diagram/toMermaid.js';
import { partitionMachine } from '../../../machines/partition/partitionMachine.js';
import { vpMachine } from '../../../machines/vp/vpMachine.js';
import { CliError } from '../CliError.js';
import type { Command } from '../Command.js';

const usage = `usage: mshv-control diagram partition|vp [--format mermaid|dot]
Prints the lifecycle machine as a diagram generated from its definition (default: mermaid).`;

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
  let machine: MachineName | undefined;
  let format: FormatName | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? '';
    if (a === '--format' || a.startsWith('--format=')) {
      if (format !== undefined) throw new CliError(`--format: given twice\n${usage}`);
      const value = a === '--format' ? args[++i] : a.slice('--format='.length);
      if (value === undefined || value === '')
        throw new CliError(`--format needs a value: mermaid or dot\n${usage}`);
      if (!isFormat(value)) throw new CliError(`unknown format '${value}': expected mermaid or dot`);
      format = value;
    } else if (a.startsWith('-')) {
      throw new CliError(`unknown option '${a}'\n${usage}`);
    } else if (machine !== undefined) {
      throw new CliError(`unexpected argument '${a}': one machine at a time\n${usage}`);
    } else if (isMachine(a)) {
      machine = a;
    } else {
      throw new CliError(`unknown machine '${a}': expected partition or vp`);
    }
  }
  if (machine === undefined) throw new CliError(`expected a machine: partition or vp\n${usage}`);
  return { machine, format: format ?? 'mermaid' };
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
