import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Layout, bytes, reserved, u16, u32, u64, u8 } from '../../src/hv/Layout.js';

const view = (size: number, fill = 0): DataView => {
  const v = new DataView(new ArrayBuffer(size));
  new Uint8Array(v.buffer).fill(fill);
  return v;
};

describe('Layout (packed little-endian structs; seed review: reserved bits must be zero)', () => {
  it('rejects overlapping fields at construction, naming both', () => {
    expect(() => new Layout('s', 16, [u64('a', 0), u32('b', 4)] as const)).toThrow(
      /layout s: field b overlaps a/,
    );
    expect(() => new Layout('s', 16, [u64('a', 0), reserved('r', 7, 2)] as const)).toThrow(
      /field r overlaps a/,
    );
  });

  it('rejects fields outside the struct at construction', () => {
    expect(() => new Layout('s', 8, [u64('a', 4)] as const)).toThrow(/field a \[4, 12\) exceeds 8 bytes/);
    expect(() => new Layout('s', 8, [u8('a', -1)] as const)).toThrow(RangeError);
    expect(() => new Layout('s', 8, [bytes('b', 0, 9)] as const)).toThrow(/exceeds 8 bytes/);
  });

  it('treats unnamed gaps as padding and explicit reserved fields by name, in offset order', () => {
    const L = new Layout('s', 24, [u64('a', 0), u8('b', 8), reserved('rsvd', 12, 4), u32('c', 20)] as const);
    expect(L.reservedRanges).toEqual([
      { name: 'padding@9', offset: 9, size: 3 },
      { name: 'rsvd', offset: 12, size: 4 },
      { name: 'padding@16', offset: 16, size: 4 },
    ]);
    expect(L.named.map((f) => f.name)).toEqual(['a', 'b', 'c']);
  });

  it('a layout with no gaps has no reserved ranges', () => {
    expect(new Layout('s', 12, [u64('a', 0), u16('b', 8), u16('c', 10)] as const).reservedRanges).toEqual([]);
  });

  it('encode writes little-endian at the offset, zeroes the span and leaves the rest of the buffer alone', () => {
    const L = new Layout('s', 16, [u32('a', 0), u16('b', 4), u64('c', 8)] as const);
    const v = view(20, 0xee);
    L.encode({ a: 0x11223344, b: 0x5566, c: 0x0102030405060708n }, v, 2);
    expect([...new Uint8Array(v.buffer)]).toEqual([
      0xee, 0xee, 0x44, 0x33, 0x22, 0x11, 0x66, 0x55, 0, 0, 8, 7, 6, 5, 4, 3, 2, 1, 0xee, 0xee,
    ]);
    expect(L.decode(v, 2)).toEqual({ a: 0x11223344, b: 0x5566, c: 0x0102030405060708n });
  });

  it('reservedViolations names padding, reserved fields and reserved bits with the offending bytes', () => {
    const L = new Layout('s', 16, [
      u32('flags', 0, 0xfffffffen),
      reserved('rsvd', 4, 4),
      u32('c', 12),
    ] as const);
    const v = view(16);
    v.setUint32(0, 0x3, true);
    v.setUint8(5, 0xab);
    v.setUint8(9, 0x01);
    expect(L.reservedViolations(v)).toEqual([
      { field: 'rsvd', offset: 4, size: 4, bytesHex: '00ab0000' },
      { field: 'padding@8', offset: 8, size: 4, bytesHex: '00010000' },
      { field: 'flags.reserved-bits', offset: 0, size: 4, bytesHex: '03000000' },
    ]);
  });

  it('encode refuses missing fields, wrong byte lengths, unsafe numbers and set reserved bits, naming the field', () => {
    const L = new Layout('s', 16, [u32('flags', 0, 0xfen), bytes('raw', 4, 4), u64('big', 8)] as const);
    const ok = { flags: 1, raw: new Uint8Array(4), big: 0n };
    const v = view(16);
    expect(() => {
      L.encode({ ...ok, flags: 2 }, v);
    }).toThrow(/s\.flags: reserved bits 0x2 must be zero/);
    expect(() => {
      L.encode({ ...ok, raw: new Uint8Array(3) }, v);
    }).toThrow(/s\.raw: expected 4 bytes/);
    expect(() => {
      L.encode({ ...ok, flags: 1.5 }, v);
    }).toThrow(/s\.flags: 1\.5 does not fit u32/);
    expect(() => {
      L.encode({ flags: 1, raw: new Uint8Array(4) } as typeof ok, v);
    }).toThrow(/s\.big: missing/);
  });

  it('checks numbers for u8/u16/u32 fields without reserved bits as strictly as bigints', () => {
    const L = new Layout('s', 8, [u8('a', 0), u16('b', 2), u32('c', 4)] as const);
    const v = view(8);
    for (const [field, bad] of [
      ['a', 256],
      ['a', -1],
      ['b', 0x1_0000],
      ['c', 0x1_0000_0000],
      ['c', 0.5],
      ['c', Number.NaN],
    ] as const) {
      expect(() => {
        L.encode({ a: 0, b: 0, c: 0, [field]: bad }, v);
      }).toThrow(new RegExp(`s\\.${field}: ${String(bad).replace('.', '\\.')} does not fit u`));
    }
    L.encode({ a: 0xff, b: 0xffff, c: 0xffff_ffff }, v);
    expect(L.decode(v)).toEqual({ a: 0xff, b: 0xffff, c: 0xffff_ffff });
    L.encode({ a: 1n, b: 2n, c: 3n } as unknown as { a: number; b: number; c: number }, v);
    expect(L.decode(v)).toEqual({ a: 1, b: 2, c: 3 });
  });

  it('decode copies bytes fields, so later writes to the page do not change a decoded value', () => {
    const L = new Layout('s', 4, [bytes('raw', 0, 4)] as const);
    const v = view(4);
    L.encode({ raw: Uint8Array.of(1, 2, 3, 4) }, v);
    const d = L.decode(v);
    v.setUint8(0, 9);
    expect([...d.raw]).toEqual([1, 2, 3, 4]);
  });

  it('round-trips every u8/u16/u32/u64 value at every offset over a dirty buffer', () => {
    const L = new Layout('s', 16, [u8('a', 0), u16('b', 2), u32('c', 4), u64('d', 8)] as const);
    fc.assert(
      fc.property(
        fc.record({
          a: fc.integer({ min: 0, max: 0xff }),
          b: fc.integer({ min: 0, max: 0xffff }),
          c: fc.integer({ min: 0, max: 0xffff_ffff }),
          d: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
        }),
        fc.integer({ min: 0, max: 8 }),
        (vals, at) => {
          const v = view(24, 0xff);
          L.encode(vals, v, at);
          expect(L.decode(v, at)).toEqual(vals);
          expect(L.reservedViolations(v, at)).toEqual([]);
        },
      ),
    );
  });
});
