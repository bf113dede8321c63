import { U64_MAX } from '../../hv/BitField.js';
import { errnoName } from '../../hv/Errno.js';
import { hvResultToErrno, hvStatusName } from '../../hv/HvStatus.js';
import { StatusBits, decodeStatus } from '../../hv/StatusWord.js';
import { CliError } from '../CliError.js';
import { parseCliBigint } from '../parseNumber.js';

const USED_BITS = StatusBits.result.mask | StatusBits.repsCompleted.mask;

/**
 * Decode a hypercall status word (decimal or 0x hex, inventory §b.1, §b.2) into display lines: the
 * result's HV_STATUS name (UNKNOWN_0x…, raw value kept, for codes the table lacks), the errno the
 * kernel maps it to (hv_result_to_errno: unknown → -EIO, all-ones → -EOPNOTSUPP), reps completed,
 * and any other bits set, which callers ignore. Throws a CliError (exit 2) for text that is not a
 * number or does not fit 64 bits.
 *
 * @example
 * decodeStatusWord('0x000001f50000000b'); // ['result: INSUFFICIENT_MEMORY (0x000b)', 'errno: -ENOMEM (-12)', 'reps completed: 501']
 */
export function decodeStatusWord(text: string): string[] {
  const word = parseCliBigint(text, 'status word');
  if (word > U64_MAX) throw new CliError(`status word: ${text} does not fit 64 bits`);
  const errno = hvResultToErrno(word);
  if (word === U64_MAX) {
    return ['result: no hypercall page (all-ones status)', `errno: -EOPNOTSUPP (${errno})`];
  }
  const s = decodeStatus(word);
  const lines = [
    `result: ${hvStatusName(s.result)} (0x${s.result.toString(16).padStart(4, '0')})`,
    errno === 0 ? 'errno: 0' : `errno: -${errnoName(errno) ?? '?'} (${errno})`,
    `reps completed: ${s.repsCompleted}`,
  ];
  const ignored = word & ~USED_BITS;
  if (ignored !== 0n)
    lines.push(
      `other bits: 0x${ignored.toString(16).padStart(16, '0')} (ignored: callers read only the two fields)`,
    );
  return lines;
}
