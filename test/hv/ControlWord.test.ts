import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeControl, encodeControl, withRepStart } from '../../src/hv/ControlWord.js';

describe('control word (inventory §b.1)', () => {
  it('encodes MAP_GPA_PAGES with rep count 509 and rep start 253 as the issue example', () => {
    expect(encodeControl({ code: 0x4b, repCount: 509, repStart: 253 })).toBe(0x00fd01fd0000004bn);
    expect(decodeControl(0x00fd01fd0000004bn)).toEqual({
      code: 0x4b,
      fast: false,
      varHeadQwords: 0,
      nested: false,
      repCount: 509,
      repStart: 253,
      reservedBits: 0n,
    });
  });

  it('sets FAST at bit 16 and the variable header size at bits 17-26', () => {
    expect(encodeControl({ code: 0x41, fast: true })).toBe(0x10041n);
    expect(encodeControl({ code: 0xe4, varHeadQwords: 3 })).toBe(0xe4n | (3n << 17n));
  });

  it('rejects a rep count that does not fit 12 bits, naming the field', () => {
    expect(() => encodeControl({ code: 0x4b, repCount: 4096 })).toThrow(/repCount/);
    expect(() => encodeControl({ code: 0x10000 })).toThrow(/code/);
  });

  it('reports reserved bits 27-30, 44-47 and 60-63 on decode', () => {
    expect(decodeControl(1n << 27n).reservedBits).toBe(1n << 27n);
    expect(decodeControl(1n << 45n).reservedBits).toBe(1n << 45n);
    expect(decodeControl(1n << 63n).reservedBits).toBe(1n << 63n);
    expect(decodeControl(1n << 31n).nested).toBe(true);
  });

  it('rewrites only the rep start when resuming', () => {
    const w = encodeControl({ code: 0x4c, repCount: 512 });
    expect(decodeControl(withRepStart(w, 100))).toMatchObject({ code: 0x4c, repCount: 512, repStart: 100 });
  });

  it('round-trips every valid control word', () => {
    fc.assert(
      fc.property(
        fc.record({
          code: fc.integer({ min: 0, max: 0xffff }),
          fast: fc.boolean(),
          varHeadQwords: fc.integer({ min: 0, max: 1023 }),
          nested: fc.boolean(),
          repCount: fc.integer({ min: 0, max: 4095 }),
          repStart: fc.integer({ min: 0, max: 4095 }),
        }),
        (c) => {
          expect(decodeControl(encodeControl(c))).toEqual({ ...c, reservedBits: 0n });
        },
      ),
    );
  });
});
