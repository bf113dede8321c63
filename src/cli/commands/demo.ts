import { CliError } from '../CliError.js';
import type { Command } from '../Command.js';
import { helpText } from '../runCli.js';
import { decodeHvcall } from './decodeHvcall.js';

/**
 * The main job (`npm start`). Until the full stack lands it prints the CLI help and decodes a
 * sample control word; the 4-VP demo replaces this body (issue 5).
 */
export const demoCommand: Command = {
  name: 'demo',
  summary: 'the main job (npm start): for now the help and a sample decode',
  usage: 'usage: mshv-control demo\nPrints the command list and decodes a sample hypercall control word.',
  run(args, io) {
    if (args.length > 0)
      throw new CliError(`unexpected argument '${args[0] ?? ''}'\nusage: mshv-control demo`);
    io.out(helpText());
    io.out('');
    io.out('sample: decode hvcall 0x00fd01fd0000004b');
    for (const line of decodeHvcall('0x00fd01fd0000004b')) io.out(`  ${line}`);
    return 0;
  },
};
