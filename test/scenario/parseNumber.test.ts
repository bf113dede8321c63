import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IntRange, type IntWidth, parseNumber, SizeUnits } from '../../src/scenario/parseNumber.js';
import { ScenarioError } from '../../src/scenario/ScenarioError.js';

function ruleOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof ScenarioError) return `${e.rule}: ${e.message}`;
    throw e;
  }
  return 'no error';
}

describe('parseNumber (scenario contract "Rules": integers, decimal, 0x hex, binary sizes)', () => {
  it('reads JSON integers, decimal strings and 0x hex', () => {
    expect(parseNumber(72, 'u8')).toBe(72n);
    expect(parseNumber('1016', 'u16')).toBe(1016n);
    expect(parseNumber('0x3f8', 'u16')).toBe(0x3f8n);
    expect(parseNumber('0X7F0000000000', 'u64')).toBe(0x7f0000000000n);
  });

  it('reads every size unit as a binary unit (4K = 4KiB = 4096)', () => {
    expect(parseNumber('4K', 'u64')).toBe(4096n);
    expect(parseNumber('4KiB', 'u64')).toBe(4096n);
    expect(parseNumber('2M', 'u64')).toBe(2n << 20n);
    expect(parseNumber('2MiB', 'u64')).toBe(2n << 20n);
    expect(parseNumber('1G', 'u64')).toBe(1n << 30n);
    expect(parseNumber('1GiB', 'u64')).toBe(1n << 30n);
    expect(parseNumber('1T', 'u64')).toBe(1n << 40n);
    expect(parseNumber('1TiB', 'u64')).toBe(1n << 40n);
    expect(parseNumber('16777215TiB', 'u64')).toBe(16777215n << 40n);
  });

  it('checks the width of each uapi type at its edges', () => {
    const edges: [IntWidth, bigint, bigint][] = [
      ['u8', 0n, 255n],
      ['u16', 0n, 65535n],
      ['u32', 0n, 4294967295n],
      ['u64', 0n, 18446744073709551615n],
      ['s32', -2147483648n, 2147483647n],
    ];
    for (const [width, min, max] of edges) {
      expect(IntRange[width]).toEqual({ min, max });
      expect(parseNumber(String(max), width)).toBe(max);
      expect(parseNumber(String(min), width)).toBe(min);
      expect(ruleOf(() => parseNumber(String(max + 1n), width))).toBe(
        `width: $: ${max + 1n} does not fit ${width}`,
      );
    }
    expect(ruleOf(() => parseNumber('0x100', 'u8', '$.v'))).toBe("width: $.v: '0x100' (256) does not fit u8");
    expect(ruleOf(() => parseNumber('-2147483649', 's32'))).toMatch(/^width:/);
  });

  it('rejects a negative value for an unsigned field, and accepts it for s32 (file descriptors)', () => {
    expect(ruleOf(() => parseNumber(-1, 'u32', '$.vpIndex'))).toBe(
      'negative: $.vpIndex: -1 is negative; u32 is unsigned',
    );
    expect(ruleOf(() => parseNumber('-0x10', 'u64'))).toMatch(/^negative:/);
    expect(parseNumber(-1, 's32')).toBe(-1n);
    expect(parseNumber('-0x10', 's32')).toBe(-16n);
  });

  it('rejects a minus sign on zero for an unsigned field ("-0", "-0x0", JSON -0), and reads it as 0 for s32', () => {
    expect(ruleOf(() => parseNumber('-0', 'u64', '$.size'))).toBe(
      'negative: $.size: -0 has a minus sign; u64 is unsigned (write 0)',
    );
    expect(ruleOf(() => parseNumber('-0x0', 'u32'))).toMatch(/^negative: .*minus sign/);
    expect(ruleOf(() => parseNumber(JSON.parse('-0'), 'u8', '$.v'))).toBe(
      'negative: $.v: -0 has a minus sign; u8 is unsigned (write 0)',
    );
    expect(parseNumber('-0', 's32')).toBe(0n);
    expect(parseNumber('0', 'u64')).toBe(0n);
  });

  it('rejects JSON numbers at or beyond 2^53 with a hint to write a string', () => {
    expect(parseNumber(Number.MAX_SAFE_INTEGER, 'u64')).toBe(2n ** 53n - 1n);
    expect(ruleOf(() => parseNumber(2 ** 53, 'u64', '$.size'))).toMatch(
      /^precision: \$\.size: .*write it as a string/,
    );
    expect(ruleOf(() => parseNumber(-(2 ** 60), 's32'))).toMatch(/^precision:/);
  });

  it('names the rule for each malformed string', () => {
    expect(ruleOf(() => parseNumber('0x12g', 'u64'))).toBe(
      "hex: $: '0x12g' is not hex: 'g' is not a hex digit",
    );
    expect(ruleOf(() => parseNumber('0x', 'u64'))).toBe("hex: $: '0x' has no hex digits after 0x");
    expect(ruleOf(() => parseNumber('4KB', 'u64'))).toBe(
      "unit: $: '4KB': unknown size unit 'KB', did you mean 'KiB'? (units: K, KiB, M, MiB, G, GiB, T, TiB; all binary)",
    );
    expect(ruleOf(() => parseNumber('2mib', 'u64'))).toMatch(/^unit: .*did you mean 'MiB'/);
    expect(ruleOf(() => parseNumber('1PiB', 'u64'))).toMatch(/^unit: .*unknown size unit 'PiB'/);
    expect(ruleOf(() => parseNumber('0x10K', 'u64'))).toMatch(/^hex:/);
    expect(ruleOf(() => parseNumber('010', 'u64'))).toMatch(/^number-syntax: .*leading zero/);
    expect(ruleOf(() => parseNumber('1.5GiB', 'u64'))).toMatch(/^number-syntax:/);
    expect(ruleOf(() => parseNumber(' 4', 'u64'))).toMatch(/^number-syntax:/);
    expect(ruleOf(() => parseNumber('', 'u64'))).toMatch(/^number-syntax:/);
    expect(ruleOf(() => parseNumber(1.5, 'u64'))).toBe('integer: $: 1.5 is not an integer');
    expect(ruleOf(() => parseNumber(true, 'u64'))).toMatch(/^type: .*got boolean true/);
    expect(ruleOf(() => parseNumber(null, 'u64'))).toMatch(/^type: .*got null/);
  });

  it('reads back every u64 written in decimal, hex or with the largest unit that divides it', () => {
    const units = Object.entries(SizeUnits);
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: IntRange.u64.max }), fc.nat(units.length - 1), (n, u) => {
        expect(parseNumber(n.toString(), 'u64')).toBe(n);
        expect(parseNumber(`0x${n.toString(16)}`, 'u64')).toBe(n);
        const [unit, bytes] = units[u]!;
        const count = n / bytes;
        expect(parseNumber(`${count}${unit}`, 'u64')).toBe(count * bytes);
      }),
    );
  });
});
