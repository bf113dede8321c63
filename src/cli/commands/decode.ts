import { decodeControl } from '../../hv/ControlWord.js';
import { hvResultToErrno, hvStatusName } from '../../hv/HvStatus.js';
import { errnoName } from '../../hv/Errno.js';
import { hypercallName } from '../../hv/HypercallCode.js';
import { decodeStatus } from '../../hv/StatusWord.js';
import { U64_MAX } from '../../hv/BitField.js';
import { CliError } from '../CliError.js';
import type { Command } from '../Command.js';
import { parseCliBigint } from '../parseNumber.js';
import { decodeIoctl } from './decodeIoctl.js';

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

/** Decode a control word into display lines. */
export function decodeHvcall(text: string): string[] {
  const word = parseCliBigint(text, 'control word');
  if (word > U64_MAX) throw new CliError(`control word: ${text} does not fit 64 bits`);
  const c = decodeControl(word);
  const name = hypercallName(c.code);
  return [
    `hypercall: ${name ?? 'unknown'} (code 0x${c.code.toString(16).padStart(4, '0')})`,
    `fast: ${c.fast}`,
    `variable header: ${c.varHeadQwords} qwords (${c.varHeadQwords * 8} bytes)`,
    `nested: ${c.nested}`,
    `rep count: ${c.repCount}`,
    `rep start: ${c.repStart}`,
    c.reservedBits === 0n
      ? 'reserved bits: none'
      : `reserved bits: 0x${c.reservedBits.toString(16).padStart(16, '0')} (set: the hypervisor rejects this word)`,
  ];
}

/** Decode a status word into display lines. */
export function decodeStatusWord(text: string): string[] {
  const word = parseCliBigint(text, 'status word');
  if (word > U64_MAX) throw new CliError(`status word: ${text} does not fit 64 bits`);
  const errno = hvResultToErrno(word);
  if (word === U64_MAX) {
    return ['result: no hypercall page (all-ones status)', `errno: -EOPNOTSUPP (${errno})`];
  }
  const s = decodeStatus(word);
  return [
    `result: ${hvStatusName(s.result)} (0x${s.result.toString(16).padStart(4, '0')})`,
    errno === 0 ? 'errno: 0' : `errno: -${errnoName(errno) ?? '?'} (${errno})`,
    `reps completed: ${s.repsCompleted}`,
  ];
}
