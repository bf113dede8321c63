import { HV_MAP_GPA } from '../../../src/hv/flags/HvMapGpaFlag.js';
import { type Extent, ExtentMap, type ExtentCodec, flatCodec } from '../ExtentMap.js';

/** What one guest page maps to: a host PFN (RAM or MMIO), or nothing (HV_MAP_GPA_NO_ACCESS). */
export interface GpaValue {
  /** Host PFN of the extent's first page; -1 when unbacked (no-access mappings ignore their PFNs). */
  readonly pfn: number;
  /** HV_MAP_GPA_* flags as given, without LARGE_PAGE. */
  readonly flags: number;
  /** Mapped with a 2 MiB second-level entry (whole, 512-aligned regions only). */
  readonly large: boolean;
  readonly backing: 'ram' | 'mmio' | 'none';
}

/** The extent codec of GPA maps: PFNs slide with the position, unbacked extents join on flags alone. */
export const gpaCodec: ExtentCodec<GpaValue> = {
  slice: (v, offset) => (v.pfn < 0 ? v : { ...v, pfn: v.pfn + offset }),
  joins: (a, len, b) =>
    a.flags === b.flags &&
    a.large === b.large &&
    a.backing === b.backing &&
    (a.backing === 'none' || a.pfn + len === b.pfn),
};

/** A GPA map as a snapshot keeps it. */
export interface SavedGpaMap {
  readonly extents: readonly Extent<GpaValue>[];
  /** Non-zero accessed (1) / dirty (2) bits, as extents. */
  readonly access: readonly Extent<number>[];
  readonly slatPages: number;
  readonly unmapMissPages: number;
}

/** Receives every change of a RAM page's guest-mapping count (host `maps`). */
export interface HostRefs {
  ref(pfn: number, count: number): void;
  unref(pfn: number, count: number): void;
}

/** Pages per second-level table entry at each level: 2 MiB, 1 GiB, 512 GiB. */
export const SLAT_REGION_PAGES = [512, 512 * 512, 512 * 512 * 512] as const;

/** Largest guest frame number + 1: a 52-bit guest physical address space. */
export const GFN_LIMIT = 2 ** 40;

/**
 * True when the guest pages [base, base + pages) fit below GFN_LIMIT. The GPA calls check it against
 * the whole call (rep count from the control word) at every resume, so a time slice never changes
 * the answer.
 *
 * @example
 * gfnRangeFits(BigInt(GFN_LIMIT - 6), 8); // false: INVALID_PARAMETER before any rep, sliced or not
 */
export function gfnRangeFits(base: bigint, pages: number): boolean {
  return base + BigInt(pages) <= BigInt(GFN_LIMIT);
}

/**
 * A partition's guest physical address map as extents, with the second-level page-table cost model:
 * the hypervisor holds one table page per 2 MiB region that has a 4 KiB mapping (large mappings sit
 * in the level above), one per 1 GiB region and one per 512 GiB region with any mapping. Those pages
 * come from the partition's pool, so mapping a large guest runs the pool dry and answers
 * INSUFFICIENT_MEMORY exactly when a real second-level table would need a page. Costs are evaluated
 * per 2 MiB region ("chunk") with a constant number of extent lookups, so a chunk of any size costs
 * the same and rep-by-rep execution equals any time slicing of it.
 *
 * @example
 * new GpaMap(model.refs).mapCost(0, false); // 3: a first 4 KiB mapping takes a table page per level
 */
export class GpaMap {
  readonly extents = new ExtentMap<GpaValue>(gpaCodec);
  /** Accessed (1) and dirty (2) bits of mapped pages; only non-zero runs are stored. */
  readonly access = new ExtentMap<number>(flatCodec((a, b) => a === b));
  /** Second-level table pages held (the cost model's current value). */
  slatPages = 0;
  /** Pages an unmap asked for that were not mapped (the hypervisor ignores them). */
  unmapMissPages = 0;

  constructor(readonly refs: HostRefs) {}

  /**
   * Extents, access bits and counters, for snapshots.
   *
   * @example
   * gpa.save().extents.length === gpa.extents.size; // true
   */
  save(): SavedGpaMap {
    return {
      extents: [...this.extents],
      access: [...this.access],
      slatPages: this.slatPages,
      unmapMissPages: this.unmapMissPages,
    };
  }

  /**
   * A map in a recorded state. The host `maps` counts are part of the host map's own state, so
   * nothing is referenced again here.
   *
   * @example
   * const copy = GpaMap.restore(refs, gpa.save());
   */
  static restore(refs: HostRefs, s: SavedGpaMap): GpaMap {
    const map = new GpaMap(refs);
    map.extents.load(s.extents);
    map.access.load(s.access);
    map.slatPages = s.slatPages;
    map.unmapMissPages = s.unmapMissPages;
    return map;
  }

  /** Pages mapped (any backing). */
  mappedPages(): number {
    let n = 0;
    for (const e of this.extents) n += e.end - e.start;
    return n;
  }

  /** Table pages a map of [a, b) (inside one 2 MiB region; `large`: the whole region) adds. */
  mapCost(a: number, large: boolean): number {
    const r1 = regionOf(a, 0);
    let delta = (large ? 0 : 1) - (this.#has4k(r1) ? 1 : 0);
    for (const level of [1, 2] as const) {
      const [s, e] = regionOf(a, level);
      delta += this.extents.any(s, e) ? 0 : 1;
    }
    return delta;
  }

  /**
   * Table pages an unmap of [a, b) (inside one 2 MiB region) changes by (`delta`, usually ≤ 0) and the
   * most it needs on the way (`peak`: 1 when it splits a large mapping).
   */
  unmapCost(a: number, b: number): { delta: number; peak: number } {
    const r1 = regionOf(a, 0);
    const before1 = this.#has4k(r1) ? 1 : 0;
    const after1 = this.#anyOutside(r1, a, b) ? 1 : 0;
    let delta = after1 - before1;
    for (const level of [1, 2] as const) {
      const r = regionOf(a, level);
      delta += (this.#anyOutside(r, a, b) ? 1 : 0) - (this.extents.any(r[0], r[1]) ? 1 : 0);
    }
    return { delta, peak: Math.max(0, after1 - before1) };
  }

  /** Map [gfn, gfn + count) to `value` (inside one 2 MiB region unless large), replacing old mappings. */
  map(gfn: number, count: number, value: GpaValue): void {
    if (!value.large) this.#demoteAround(gfn, gfn + count);
    this.#dropRefs(gfn, gfn + count);
    this.extents.set(gfn, gfn + count, value);
    if (value.backing === 'ram') this.refs.ref(value.pfn, count);
    this.access.clear(gfn, gfn + count);
  }

  /** Unmap [gfn, gfn + count) (inside one 2 MiB region); a partly unmapped large page becomes 4 KiB pages. */
  unmap(gfn: number, count: number): void {
    const end = gfn + count;
    this.unmapMissPages += count - this.extents.covered(gfn, end);
    this.#demoteAround(gfn, end);
    this.#dropRefs(gfn, end);
    this.extents.clear(gfn, end);
    this.access.clear(gfn, end);
  }

  /** Drop every mapping (FINALIZE_PARTITION); returns the table pages the map held. */
  clearAll(): number {
    for (const e of this.extents)
      if (e.value.backing === 'ram') this.refs.unref(e.value.pfn, e.end - e.start);
    this.extents.clearAll();
    this.access.clearAll();
    const held = this.slatPages;
    this.slatPages = 0;
    return held;
  }

  /**
   * Set accessed (and dirty when `write`) on the pages of [gfn, gfn + count) whose mapping allows the
   * access (READABLE for a read, WRITABLE for a write, not NO_ACCESS): any other access faults to the
   * VMM instead of completing, and leaves no bit.
   */
  touch(gfn: number, count: number, write: boolean): void {
    const bits = write ? 3 : 1;
    const need = write ? HV_MAP_GPA.WRITABLE : HV_MAP_GPA.READABLE;
    const spans: [number, number][] = [];
    this.extents.forEachOverlap(gfn, gfn + count, (e) => {
      const { backing, flags } = e.value;
      if (backing !== 'none' && (flags & HV_MAP_GPA.NO_ACCESS) === 0 && (flags & need) !== 0)
        spans.push([Math.max(e.start, gfn), Math.min(e.end, gfn + count)]);
    });
    for (const [s, e] of spans) {
      this.#fillGaps(s, e);
      this.access.update(s, e, (v) => (v | bits) & 3);
      this.#dropZeros(s, e);
    }
  }

  /** Accessed/dirty byte of one page (0 when unmapped). */
  accessState(gfn: number): number {
    return this.access.get(gfn)?.value ?? 0;
  }

  /** Clear `clearBits` and set `setBits` on the mapped pages of [gfn, gfn + count). */
  modifyAccess(gfn: number, count: number, clearBits: number, setBits: number): void {
    const end = gfn + count;
    if (clearBits !== 0) {
      this.access.update(gfn, end, (v) => v & ~clearBits & 3);
      this.#dropZeros(gfn, end);
    }
    if (setBits !== 0) {
      const spans: [number, number][] = [];
      this.extents.forEachOverlap(gfn, end, (e) => {
        if (e.value.backing !== 'none') spans.push([Math.max(e.start, gfn), Math.min(e.end, end)]);
      });
      for (const [s, e] of spans) {
        this.#fillGaps(s, e);
        this.access.update(s, e, (v) => (v | setBits) & 3);
        this.#dropZeros(s, e);
      }
    }
  }

  /** True when region r has a 4 KiB (non-large) mapping. */
  #has4k(r: readonly [number, number]): boolean {
    return this.extents.any(r[0], r[1], (e) => !e.value.large);
  }

  #anyOutside(r: readonly [number, number], a: number, b: number): boolean {
    return (r[0] < a && this.extents.any(r[0], a)) || (b < r[1] && this.extents.any(b, r[1]));
  }

  /** Large mappings in the 2 MiB regions at both ends of [a, b) that the range only partly covers become 4 KiB. */
  #demoteAround(a: number, b: number): void {
    for (const at of [a, b - 1]) {
      const [s, e] = regionOf(at, 0);
      if (a <= s && e <= b) continue;
      if (this.extents.any(s, e, (x) => x.value.large))
        this.extents.update(s, e, (v) => (v.large ? { ...v, large: false } : v));
    }
  }

  #dropRefs(a: number, b: number): void {
    const drops: [number, number][] = [];
    this.extents.forEachOverlap(a, b, (e) => {
      if (e.value.backing !== 'ram') return;
      const s = Math.max(e.start, a);
      drops.push([e.value.pfn + (s - e.start), Math.min(e.end, b) - s]);
    });
    for (const [pfn, n] of drops) this.refs.unref(pfn, n);
  }

  /** Insert zero-valued extents in the gaps of [a, b) so `update` reaches every page. */
  #fillGaps(a: number, b: number): void {
    const gaps: [number, number][] = [];
    let pos = a;
    this.access.forEachOverlap(a, b, (e) => {
      if (e.start > pos) gaps.push([pos, e.start]);
      pos = Math.max(pos, e.end);
    });
    if (pos < b) gaps.push([pos, b]);
    for (const [s, e] of gaps) this.access.set(s, e, 0);
  }

  #dropZeros(a: number, b: number): void {
    this.access.update(a, b, (v) => (v === 0 ? undefined : v));
  }
}

/**
 * The [start, end) of the level-`level` second-level region containing `gfn`.
 *
 * @example
 * regionOf(0x345, 0); // [0x200, 0x400]: the 2 MiB region of GFN 0x345
 */
export function regionOf(gfn: number, level: 0 | 1 | 2): [number, number] {
  const size = SLAT_REGION_PAGES[level];
  const s = Math.floor(gfn / size) * size;
  return [s, s + size];
}
