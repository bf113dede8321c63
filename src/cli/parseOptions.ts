import { CliError } from './CliError.js';

/**
 * How an option takes its value: `flag` takes none (`--dry-run`); `value` takes one, as the next
 * argument or after `=` (`--out DIR`, `--out=DIR`); `optional` takes one only after `=`
 * (`--from-snapshot`, `--from-snapshot=SEQ`).
 */
export type OptionKind = 'flag' | 'value' | 'optional';

/** What `parseOptions` found: the operands in order and each option given, with its value. */
export interface ParsedOptions {
  readonly operands: readonly string[];
  /** Option name → its value; `true` for a flag, or an `optional` option given without `=`. */
  readonly options: ReadonlyMap<string, string | true>;
}

/**
 * The CLI's one option parser: every command reads its arguments through it, so every command
 * accepts `--opt value` and `--opt=value` for a valued option and refuses an option given twice
 * ("an option given twice is a mistake to name, not a choice to make silently"), an unknown option,
 * a value given to a flag and a valued option with no value (the next argument is not taken as the
 * value when it is an option itself: `--out --workers 2` is `--out` without a value). Anything else
 * is an operand, `-` alone too. `--help` never reaches it (runCli answers it first). Every refusal
 * is a CliError (exit 2) naming the option and the rule, followed by `usage`.
 *
 * @example
 * parseOptions(['a.json', '--out=dir', '--crash-inside'], { '--out': 'value', '--crash-inside': 'flag' }, usage);
 * // { operands: ['a.json'], options: Map { '--out' => 'dir', '--crash-inside' => true } }
 */
export function parseOptions(
  args: readonly string[],
  spec: Readonly<Record<string, OptionKind>>,
  usage: string,
): ParsedOptions {
  const operands: string[] = [];
  const options = new Map<string, string | true>();
  const refuse = (message: string): never => {
    throw new CliError(`${message}\n${usage}`);
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? '';
    if (!a.startsWith('-') || a === '-') {
      // `--from-snapshot 5`: the number is the option's value, written in the wrong form.
      const previous = i > 0 ? args[i - 1] : undefined;
      if (
        previous !== undefined &&
        spec[previous] === 'optional' &&
        /^([0-9][0-9_]*|0[xX][0-9a-fA-F_]+)$/.test(a)
      )
        refuse(
          `${previous}: its value is written ${previous}=${a}, in one argument ('${a}' is not an operand)`,
        );
      operands.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = a.startsWith('--') && eq > 0 ? a.slice(0, eq) : a;
    const attached = a.startsWith('--') && eq > 0 ? a.slice(eq + 1) : undefined;
    const kind = Object.hasOwn(spec, name) ? spec[name] : undefined;
    if (kind === undefined) return refuse(`unknown option '${a}'`);
    if (options.has(name)) refuse(`${name} given more than once`);
    switch (kind) {
      case 'flag':
        if (attached !== undefined) refuse(`${name} takes no value`);
        options.set(name, true);
        break;
      case 'optional':
        if (attached === '') refuse(`${name} needs a value after '='`);
        options.set(name, attached ?? true);
        break;
      case 'value': {
        const next = args[i + 1];
        const value = attached ?? (next === undefined || next.startsWith('--') ? undefined : next);
        if (value === undefined || value === '') return refuse(`${name} needs a value`);
        if (attached === undefined) i += 1;
        options.set(name, value);
        break;
      }
    }
  }
  return { operands, options };
}

/**
 * The value of a valued option, or undefined when it was not given.
 *
 * @example
 * optionValue(parsed, '--out'); // 'dir'
 */
export function optionValue(parsed: ParsedOptions, name: string): string | undefined {
  const v = parsed.options.get(name);
  return typeof v === 'string' ? v : undefined;
}
