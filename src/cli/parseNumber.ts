import { CliError } from './CliError.js';

/**
 * The number syntax a CLI argument accepts: `decimal` (digits only: counts, seconds, seqs) or
 * `decimal-or-hex` (digits, or `0x` and hex digits, `_` allowed between digits: seeds and the
 * words `decode` reads). Nothing else: no sign, no space, no fraction, no exponent, no `0b`/`0o`.
 */
export type CliNumberForm = 'decimal' | 'decimal-or-hex';

/** The range an integer option must fall in; `type` names it in the message (`u32`). */
export interface CliIntegerRange {
  readonly min: bigint;
  readonly max: bigint;
  readonly type?: string;
}

const FORMS: Readonly<Record<CliNumberForm, { readonly re: RegExp; readonly rule: string }>> = {
  decimal: { re: /^[0-9]+$/, rule: 'a decimal number (digits only)' },
  'decimal-or-hex': {
    re: /^(0[xX][0-9a-fA-F]+(_[0-9a-fA-F]+)*|[0-9]+(_[0-9]+)*)$/,
    rule: 'a decimal or 0x-hex number',
  },
};

/**
 * The CLI's one integer parser: `text` in `form`, within `range` when given. Throws a CliError
 * (exit 2) naming `what` (the option or operand) and the rule it broke.
 *
 * @example
 * parseCliInteger('0x10', '--seed', 'decimal-or-hex', { min: 0n, max: 0xffff_ffffn, type: 'u32' }); // 16n
 * parseCliInteger('2.0', '--workers', 'decimal'); // throws "--workers: '2.0' is not a decimal number (digits only)"
 */
export function parseCliInteger(
  text: string,
  what: string,
  form: CliNumberForm,
  range?: CliIntegerRange,
): bigint {
  const { re, rule } = FORMS[form];
  if (!re.test(text)) throw new CliError(`${what}: '${text}' is not ${rule}`);
  const n = BigInt(text.replaceAll('_', ''));
  if (range !== undefined) {
    const span = range.type === undefined ? '' : ` (${range.type})`;
    if (n < range.min) throw new CliError(`${what}: ${text} is below ${range.min}${span}`);
    if (n > range.max)
      throw new CliError(
        range.type === undefined
          ? `${what}: ${text} is above ${range.max}`
          : `${what}: ${text} does not fit ${range.type} (at most ${range.max})`,
      );
  }
  return n;
}

/**
 * A number `decode` reads (decimal or 0x hex, `_` between digits), as a bigint; the width check is
 * the caller's.
 *
 * @example
 * parseCliBigint('0x4b', 'control word'); // 75n
 */
export function parseCliBigint(text: string, what: string): bigint {
  return parseCliInteger(text, what, 'decimal-or-hex');
}

/** The seed rule every command shares: a u32, decimal or 0x hex. */
export const SEED_RANGE: CliIntegerRange = { min: 0n, max: 0xffff_ffffn, type: 'u32' };

/**
 * `--seed N` of every command that takes one: a u32, decimal or 0x hex.
 *
 * @example
 * parseCliSeed('0x10'); // 16
 */
export function parseCliSeed(text: string): number {
  return Number(parseCliInteger(text, '--seed', 'decimal-or-hex', SEED_RANGE));
}
