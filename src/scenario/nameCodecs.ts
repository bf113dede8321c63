import { type Codec, type SmallWidth, unknownName } from './Codec.js';
import { childPath } from './jsonPath.js';
import { describeJson, parseNumber } from './parseNumber.js';
import { ScenarioError } from './ScenarioError.js';

type Width = SmallWidth | 'u64';

/**
 * A uapi flags word, as a bigint mask: a list of flag names (each once) or a raw number, so that a
 * scenario can pass bits the driver does not know and expect EINVAL. Written back as names when
 * every set bit has one, else as the raw number.
 *
 * @example
 * flagsBig({ LAPIC: 0, X2APIC: 1 }, 'u64', 'pt flag').read(['X2APIC'], '$.flags'); // 2n
 */
export function flagsBig(bits: Readonly<Record<string, number>>, width: Width, what: string): Codec<bigint> {
  const names = Object.keys(bits);
  const known = names.reduce((mask, n) => mask | (1n << BigInt(bits[n] ?? 0)), 0n);
  return {
    expected: `list of ${what} names, or ${width}`,
    read(value, path) {
      if (typeof value === 'string' && Object.hasOwn(bits, value)) {
        throw new ScenarioError(path, 'type', `flags are a list: write ["${value}"]`);
      }
      if (!Array.isArray(value)) return parseNumber(value, width, path);
      let mask = 0n;
      const seen = new Set<string>();
      value.forEach((v: unknown, i) => {
        const p = childPath(path, i);
        if (typeof v !== 'string')
          throw new ScenarioError(p, 'type', `expected a ${what} name, got ${describeJson(v)}`);
        const bit = bits[v];
        if (!Object.hasOwn(bits, v) || bit === undefined) throw unknownName(p, what, v, names);
        if (seen.has(v)) throw new ScenarioError(p, 'duplicate-flag', `${what} '${v}' is listed twice`);
        seen.add(v);
        mask |= 1n << BigInt(bit);
      });
      return mask;
    },
    write(value) {
      if ((value & ~known) !== 0n) return width === 'u64' ? `0x${value.toString(16)}` : Number(value);
      return names
        .filter((n) => (value >> BigInt(bits[n] ?? 0)) & 1n)
        .sort((a, b) => (bits[a] ?? 0) - (bits[b] ?? 0));
    },
  };
}

/**
 * A flags word up to 32 bits, as a number mask.
 *
 * @example
 * flags({ WRITABLE: 0, EXECUTABLE: 1, UNMAP: 2 }, 'u8', 'set-mem flag').read(['UNMAP'], '$.flags'); // 4
 */
export function flags(
  bits: Readonly<Record<string, number>>,
  width: SmallWidth,
  what: string,
): Codec<number> {
  return asNumber(flagsBig(bits, width, what));
}

/**
 * A uapi enumeration, as a bigint: a name of the table or a raw number (unknown values pass through
 * for the driver to reject). Written back as the name when the value has one.
 *
 * @example
 * enumBig({ NONE: 0 }, 'u64', 'isolation').read('NONE', '$.isolation'); // 0n
 */
export function enumBig(values: Readonly<Record<string, number>>, width: Width, what: string): Codec<bigint> {
  const names = Object.keys(values);
  const nameOf = new Map(names.map((n) => [BigInt(values[n] ?? 0), n]));
  return {
    expected: `${what} name, or ${width}`,
    read(value, path) {
      if (typeof value === 'string' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(value)) {
        const v = values[value];
        if (!Object.hasOwn(values, value) || v === undefined) throw unknownName(path, what, value, names);
        return BigInt(v);
      }
      return parseNumber(value, width, path);
    },
    write(value) {
      return nameOf.get(value) ?? (width === 'u64' ? `0x${value.toString(16)}` : Number(value));
    },
  };
}

/**
 * A uapi enumeration up to 32 bits, as a number.
 *
 * @example
 * enumeration({ LAPIC: 0, XSAVE: 1 }, 'u8', 'VP state type').read('XSAVE', '$.type'); // 1
 */
export function enumeration(
  values: Readonly<Record<string, number>>,
  width: SmallWidth,
  what: string,
): Codec<number> {
  return asNumber(enumBig(values, width, what));
}

function asNumber(codec: Codec<bigint>): Codec<number> {
  return {
    expected: codec.expected,
    read: (value, path) => Number(codec.read(value, path)),
    write: (value) => codec.write(BigInt(value)),
  };
}
