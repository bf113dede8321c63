import type { Command } from '../Command.js';
import { helpText } from '../runCli.js';
import { decodeHvcall } from './decode.js';

/**
 * The main job (`npm start`). Until the full stack lands it prints the CLI help and decodes a
 * sample control word; the 4-VP demo replaces this body (issue 5).
 */
export const demoCommand: Command = {
  name: 'demo',
  summary: 'run the demo on the simulated hypervisor',
  usage: 'usage: mshv-control demo',
  run(_args, io) {
    io.out(helpText());
    io.out('');
    io.out('sample: decode hvcall 0x00fd01fd0000004b');
    for (const line of decodeHvcall('0x00fd01fd0000004b')) io.out(`  ${line}`);
    return 0;
  },
};
