import { ScenarioError } from './ScenarioError.js';

/** Integer widths of uapi fields: `__u8`, `__u16`, `__u32`, `__u64` and `__s32` (file descriptors). */
export type IntWidth = 'u8' | 'u16' | 'u32' | 'u64' | 's32';

/** Inclusive range of each width. */
export const IntRange: Readonly<Record<IntWidth, { readonly min: bigint; readonly max: bigint }>> = {
  u8: { min: 0n, max: 0xffn },
  u16: { min: 0n, max: 0xffffn },
  u32: { min: 0n, max: 0xffff_ffffn },
  u64: { min: 0n, max: 0xffff_ffff_ffff_ffffn },
  s32: { min: -0x8000_0000n, max: 0x7fff_ffffn },
};

/** Size units a number string may end with. Binary units only: `1K` and `1KiB` are both 1024. */
export const SizeUnits: Readonly<Record<string, bigint>> = {
  K: 1n << 10n,
  KiB: 1n << 10n,
  M: 1n << 20n,
  MiB: 1n << 20n,
  G: 1n << 30n,
  GiB: 1n << 30n,
  T: 1n << 40n,
  TiB: 1n << 40n,
};

const unitList = Object.keys(SizeUnits).join(', ');

/**
 * Read a scenario number: a JSON integer below 2^53, or a string holding a decimal, a `0x` hex
 * number or a decimal with a binary size unit (`4K`, `2MiB`, `1GiB`, `1TiB`). The result must fit
 * `width`; a negative value is accepted only for the signed width. Throws a ScenarioError naming
 * `path` and the rule broken.
 *
 * @example
 * parseNumber('1GiB', 'u64', '$.steps[2].size'); // 1073741824n
 * parseNumber(4294967296, 'u32', '$.steps[3].vpIndex'); // throws '... 4294967296 does not fit u32'
 */
export function parseNumber(value: unknown, width: IntWidth, path = '$'): bigint {
  let n: bigint;
  let shown: string;
  // A minus sign, -0 included: an unsigned field refuses '-0' and -0 as it refuses '-1'.
  let minus: boolean;
  if (typeof value === 'number') {
    if (Number.isInteger(value) && !Number.isSafeInteger(value)) {
      throw new ScenarioError(
        path,
        'precision',
        `JSON number ${value} is beyond 2^53 and may have been rounded; write it as a string ("0x..." or decimal)`,
      );
    }
    if (!Number.isFinite(value))
      throw new ScenarioError(
        path,
        'integer',
        `${value} is not an integer (JSON.parse reads a number beyond the range of a double as ${value}; parseScenarioText names the literal)`,
      );
    if (!Number.isInteger(value)) throw new ScenarioError(path, 'integer', `${value} is not an integer`);
    n = BigInt(value);
    minus = value < 0 || Object.is(value, -0);
    shown = Object.is(value, -0) ? '-0' : String(n);
  } else if (typeof value === 'string') {
    n = parseNumberText(value, path);
    minus = value.startsWith('-');
    shown = /^-?[0-9]+$/.test(value) ? value : `'${value}' (${n})`;
  } else {
    throw new ScenarioError(
      path,
      'type',
      `expected a number (an integer or a string), got ${describeJson(value)}`,
    );
  }
  const range = IntRange[width];
  if (minus && range.min === 0n)
    throw new ScenarioError(
      path,
      'negative',
      n === 0n
        ? `${shown} has a minus sign; ${width} is unsigned (write 0)`
        : `${shown} is negative; ${width} is unsigned`,
    );
  if (n < range.min || n > range.max)
    throw new ScenarioError(path, 'width', `${shown} does not fit ${width}`);
  return n;
}

function parseNumberText(text: string, path: string): bigint {
  const m = /^(-?)(?:0[xX]([0-9a-fA-F]+)|(0|[1-9][0-9]*)(K|KiB|M|MiB|G|GiB|T|TiB)?)$/.exec(text);
  if (m !== null) {
    const [, sign, hex, dec, unit] = m;
    const magnitude =
      hex !== undefined
        ? BigInt(`0x${hex}`)
        : BigInt(dec ?? '0') * (unit === undefined ? 1n : (SizeUnits[unit] ?? 1n));
    return sign === '-' ? -magnitude : magnitude;
  }
  if (/^-?0[xX]/.test(text)) {
    const bad = /[^0-9a-fA-F]/.exec(text.replace(/^-?0[xX]/, ''));
    throw new ScenarioError(
      path,
      'hex',
      bad === null
        ? `'${text}' has no hex digits after 0x`
        : `'${text}' is not hex: '${bad[0]}' is not a hex digit`,
    );
  }
  const unit = /^-?[0-9]+([A-Za-z]+)$/.exec(text)?.[1];
  if (unit !== undefined) {
    throw new ScenarioError(
      path,
      'unit',
      `'${text}': unknown size unit '${unit}'${unitHint(unit)} (units: ${unitList}; all binary)`,
    );
  }
  if (/^-?0[0-9]/.test(text)) {
    throw new ScenarioError(
      path,
      'number-syntax',
      `'${text}' has a leading zero; octal is not supported (use 0x for hex)`,
    );
  }
  throw new ScenarioError(
    path,
    'number-syntax',
    `'${text}' is not a number: write a decimal, a 0x hex number or an integer size such as 4KiB`,
  );
}

function unitHint(unit: string): string {
  const upper = unit.toUpperCase();
  const fixed = Object.keys(SizeUnits).find((u) => u.toUpperCase() === upper || `${u}B` === upper);
  return fixed === undefined ? '' : `, did you mean '${fixed.endsWith('iB') ? fixed : `${fixed}iB`}'?`;
}

/**
 * A short description of a JSON value for error messages.
 *
 * @example
 * describeJson([1, 2]); // 'an array'
 */
export function describeJson(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'string':
      return `string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value)}`;
    case 'number':
    case 'boolean':
      return `${typeof value} ${String(value)}`;
    case 'object':
      return 'an object';
    default:
      return typeof value;
  }
}
