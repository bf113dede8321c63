import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { StructLayout } from '../../../src/hv/Layout.js';
import { MshvCreatePartitionV2 } from '../../../src/hv/uapi/structs/MshvCreatePartition.js';
import { MshvUserIrqfd } from '../../../src/hv/uapi/structs/MshvUserIrqfd.js';
import { MshvUserIrqTable, mshvUserIrqTableBytes } from '../../../src/hv/uapi/structs/MshvUserIrqTable.js';
import { MshvUserMemRegion } from '../../../src/hv/uapi/structs/MshvUserMemRegion.js';
import { MshvRootHvcall } from '../../../src/hv/uapi/structs/MshvRootHvcall.js';
import { s32ToU32, u32ToS32 } from '../../../src/hv/uapi/structs/s32.js';
import { UAPI_STRUCTS } from '../../../src/hv/uapi/structs/uapiStructs.js';
import { camel, loadFacts } from './loadFacts.js';
import type { FactsStructField } from './loadFacts.js';

const facts = loadFacts();

interface Span {
  readonly name: string;
  readonly offset: number;
  readonly size: number;
}

function spansOf(l: StructLayout): Span[] {
  const named = l.fields
    .filter((f) => f.kind !== 'reserved')
    .map((f) => ({
      name: f.name,
      offset: f.offset,
      size: f.kind === 'bytes' ? f.size : { u8: 1, u16: 2, u32: 4, u64: 8 }[f.kind],
    }));
  return [...named, ...l.reservedRanges];
}

/**
 * The layout spans that stand for one facts field: the field itself under its camelCase name (any
 * `a|b` alternative), or, for a `T[n]` scalar array, n spans `name0`..`name{n-1}`.
 */
function matchField(spans: Span[], f: FactsStructField): Span[] | undefined {
  for (const alt of f.name.split('|').map(camel)) {
    const whole = spans.find((s) => s.name === alt && s.offset === f.offset && s.size === f.size);
    if (whole !== undefined) return [whole];
    const arr = /\[(\d+)\]$/.exec(f.type);
    if (arr !== null) {
      const n = Number(arr[1]);
      const el = f.size / n;
      const parts = Array.from({ length: n }, (_, i) =>
        spans.find((s) => s.name === `${alt}${i}` && s.offset === f.offset + i * el && s.size === el),
      );
      if (parts.every((p) => p !== undefined)) return parts;
    }
  }
  return undefined;
}

describe('uapi struct layouts (inventory §a.4, facts structs)', () => {
  it('has a layout for every facts struct and no other', () => {
    expect([...UAPI_STRUCTS.keys()].sort()).toEqual(Object.keys(facts.structs).sort());
  });

  for (const [name, s] of Object.entries(facts.structs)) {
    it(`${name}: ${s.size} bytes, every field at its facts offset and size`, () => {
      const l = UAPI_STRUCTS.get(name);
      expect(l?.size).toBe(s.size);
      if (l === undefined) return;
      const spans = spansOf(l);
      const used = new Set<Span>();
      for (const f of s.fields) {
        const m = matchField(spans, f);
        expect(m, `${name}.${f.name} @${f.offset} (${f.size})`).toBeDefined();
        for (const p of m ?? []) used.add(p);
      }
      // Nothing in the layout that the facts do not name (no stray padding, no extra field).
      expect(spans.filter((sp) => !used.has(sp))).toEqual([]);
    });
  }
});

describe('reserved bytes (inventory §a.4 "MBZ")', () => {
  it('reports a non-zero mshv_user_mem_region.rsvd byte and nothing for a clean encode', () => {
    const view = new DataView(new ArrayBuffer(32));
    MshvUserMemRegion.encode({ size: 0x1000n, guestPfn: 1n, userspaceAddr: 0x7000n, flags: 7 }, view);
    expect(MshvUserMemRegion.reservedViolations(view)).toEqual([]);
    view.setUint8(31, 0xaa);
    expect(MshvUserMemRegion.reservedViolations(view)).toEqual([
      { field: 'rsvd', offset: 25, size: 7, bytesHex: '000000000000aa' },
    ]);
  });

  it('reports the v2 create-partition reserved spans by name', () => {
    const view = new DataView(new ArrayBuffer(64));
    view.setUint8(18, 1);
    view.setUint8(40, 1);
    expect(MshvCreatePartitionV2.reservedViolations(view).map((v) => v.field)).toEqual(['ptRsvd', 'ptRsvd1']);
  });

  it('reports mshv_root_hvcall.rsvd and mshv_user_irq_table.rsvd', () => {
    const hv = new DataView(new ArrayBuffer(32));
    hv.setUint8(15, 1);
    expect(MshvRootHvcall.reservedViolations(hv).map((v) => v.field)).toEqual(['rsvd']);
    const t = new DataView(new ArrayBuffer(8));
    t.setUint32(4, 1, true);
    expect(MshvUserIrqTable.reservedViolations(t).map((v) => v.field)).toEqual(['rsvd']);
  });
});

describe('flexible routing table (facts structs.mshv_user_irq_table.flexible_array)', () => {
  it('is the 8-byte header plus 16 bytes per entry', () => {
    expect(mshvUserIrqTableBytes(0)).toBe(8);
    expect(mshvUserIrqTableBytes(4096)).toBe(8 + 4096 * 16);
    expect(() => mshvUserIrqTableBytes(-1)).toThrow(/mshv_user_irq_table\.nr/);
  });
});

describe('__s32 fds held as u32 two’s complement', () => {
  it('encodes resamplefd -1 as 0xFFFFFFFF and decodes it back', () => {
    const view = new DataView(new ArrayBuffer(16));
    MshvUserIrqfd.encode({ fd: 5, resamplefd: s32ToU32(-1, 'resamplefd'), gsi: 24, flags: 2 }, view);
    expect(view.getInt32(4, true)).toBe(-1);
    expect(u32ToS32(MshvUserIrqfd.decode(view).resamplefd, 'resamplefd')).toBe(-1);
  });

  it('round-trips every s32 and names the field when out of range', () => {
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), (v) => {
        expect(u32ToS32(s32ToU32(v))).toBe(v);
      }),
    );
    expect(() => s32ToU32(2 ** 31, 'fd')).toThrow(/^fd: 2147483648 is not a signed 32-bit integer$/);
    expect(() => u32ToS32(-1, 'fd')).toThrow(/^fd: -1 is not an unsigned 32-bit integer$/);
  });
});
