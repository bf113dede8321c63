import { CliError } from './CliError.js';

/**
 * Parse a CLI number: decimal or 0x hex, as a bigint; `_` separators allowed.
 * Throws a CliError naming `what` for anything else.
 *
 * @example
 * parseCliBigint('0x4b', 'control word'); // 75n
 */
export function parseCliBigint(text: string, what: string): bigint {
  const t = text.replaceAll('_', '');
  if (!/^(0[xX][0-9a-fA-F]+|[0-9]+)$/.test(t)) {
    throw new CliError(`${what}: '${text}' is not a decimal or 0x-hex number`);
  }
  return BigInt(t);
}
