import { CliError } from '../CliError.js';
import type { Command } from '../Command.js';
import { decodeHvcall } from './decodeHvcall.js';
import { decodeIoctl } from './decodeIoctl.js';
import { decodeStatusWord } from './decodeStatusWord.js';

const usage = `usage: mshv-control decode ioctl <request>
       mshv-control decode hvcall <control word>
       mshv-control decode status <status word>
Numbers are decimal or 0x hex.`;

export const decodeCommand: Command = {
  name: 'decode',
  summary: 'decode an ioctl request number, a hypercall control word or a status word',
  usage,
  run(args, io) {
    const [what, value, ...extra] = args;
    if (value === undefined || extra.length > 0)
      throw new CliError(`expected 'decode <ioctl|hvcall|status> <number>'\n${usage}`);
    let lines: string[];
    switch (what) {
      case 'ioctl':
        lines = decodeIoctl(value);
        break;
      case 'hvcall':
        lines = decodeHvcall(value);
        break;
      case 'status':
        lines = decodeStatusWord(value);
        break;
      default:
        throw new CliError(`unknown kind '${what ?? ''}': expected ioctl, hvcall or status`);
    }
    for (const l of lines) io.out(l);
    return 0;
  },
};
