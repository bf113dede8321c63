import { HvPage } from '../../../src/ports/HvPage.js';
import { HV_PAGE_SIZE } from '../../../src/hv/Page.js';
import type { PfnRun } from '../../../src/ports/HostPort.js';
import { allZero } from '../../../src/snapshot/allZero.js';
import { ExtentMap, flatCodec, type Extent } from '../ExtentMap.js';
import { HostCrash } from './HostCrash.js';

/**
 * Who owns a host page. Exactly one owner per RAM page, kept as run-length extents:
 * - `free`: the root kernel's free lists;
 * - `kernel`: allocated by the root kernel (deposit candidates, VP-state buffers);
 * - `user`: resident memory of the VMM process (`pins` = pin count);
 * - `pool`: deposited into `partition`'s memory pool and not yet used;
 * - `hv`: taken from `partition`'s pool by the hypervisor (page tables, VP and port structures,
 *   state and stats pages).
 * `maps` counts the guest GPA mappings that point at the page (any owner kind may be mapped, but the
 * hypervisor only maps root-owned pages). `exclusive` is the partition a user page was made
 * exclusive to (SNP RELEASE_SPARSE_SPA_PAGE_HOST_ACCESS), or -1.
 */
export type OwnerKind = 'free' | 'kernel' | 'user' | 'pool' | 'hv';

export interface Owner {
  readonly kind: OwnerKind;
  readonly partition: number;
  readonly pins: number;
  readonly maps: number;
  readonly exclusive: number;
}

/**
 * One past the highest host page number a hypercall may name: 2^40 pages of 4 KiB, the 52-bit
 * physical address space. Every handler answers INVALID_PARAMETER for a host PFN at or above it.
 *
 * @example
 * 2 ** 40 >= PFN_LIMIT; // true: INVALID_PARAMETER from DEPOSIT_MEMORY, MAP_GPA_PAGES, GET_VP_STATE, …
 */
export const PFN_LIMIT = 2 ** 40;

const interned = new Map<number, Owner>();

/**
 * The shared Owner value for these fields: extents with equal owners share one object, so a host map
 * of a million extents does not carry a million owner records.
 *
 * @example
 * owner('kernel', -1, 0, 0, -1) === owner('kernel', -1, 0, 0, -1); // true: one shared object
 */
export function owner(
  kind: OwnerKind,
  partition: number,
  pins: number,
  maps: number,
  exclusive: number,
): Owner {
  if (pins < 0 || pins > 255 || maps < 0 || maps > 255 || partition >= 0xffff || exclusive >= 0xffff)
    return { kind, partition, pins, maps, exclusive };
  const key =
    (((KIND_CODE[kind] * 0x10000 + (partition + 1)) * 256 + pins) * 256 + maps) * 0x10000 + (exclusive + 1);
  let o = interned.get(key);
  if (o === undefined) {
    o = { kind, partition, pins, maps, exclusive };
    interned.set(key, o);
  }
  return o;
}

/**
 * Copy of `o` with some fields changed, interned.
 *
 * @example
 * withOwner(owner('user', -1, 0, 0, -1), { pins: 1 }).pins; // 1
 */
export function withOwner(o: Owner, change: Partial<Owner>): Owner {
  return owner(
    change.kind ?? o.kind,
    change.partition ?? o.partition,
    change.pins ?? o.pins,
    change.maps ?? o.maps,
    change.exclusive ?? o.exclusive,
  );
}

const KIND_CODE: Readonly<Record<OwnerKind, number>> = { free: 0, kernel: 1, user: 2, pool: 3, hv: 4 };

/**
 * True when two owners have the same fields (interned ones compare by identity first): the host
 * map's codec, so neighbouring extents with equal owners merge.
 *
 * @example
 * const copy = { kind: 'kernel', partition: -1, pins: 0, maps: 0, exclusive: -1 } as const;
 * sameOwner(owner('kernel', -1, 0, 0, -1), copy); // true: a different object with the same fields
 */
export function sameOwner(a: Owner, b: Owner): boolean {
  return (
    a === b ||
    (a.kind === b.kind &&
      a.partition === b.partition &&
      a.pins === b.pins &&
      a.maps === b.maps &&
      a.exclusive === b.exclusive)
  );
}

/** How the allocator spreads a request over free memory: the next run length and the gap after it. */
export type AllocPattern = (remainingPages: number) => {
  readonly runPages: number;
  readonly gapPages: number;
};

/**
 * Everything that is left as one run, no gaps: what a fresh buddy allocator hands the kernel.
 *
 * @example
 * CONTIGUOUS(10); // { runPages: 10, gapPages: 0 }
 */
export const CONTIGUOUS: AllocPattern = (remaining) => ({ runPages: remaining, gapPages: 0 });

/** What a HostRam holds beyond its RAM ranges (which come from the configuration). */
export interface SavedHostRam {
  /** Ownership extents in PFN order (the per-kind counters are recomputed from them). */
  readonly owners: readonly Extent<Owner>[];
  /** Stored page contents that are not all zero, in PFN order (a missing page reads as zeros). */
  readonly contents: readonly { readonly pfn: number; readonly bytes: Uint8Array }[];
  /** Hypervisor pages shared with the root, ascending. */
  readonly sharedWithRoot: readonly number[];
  readonly reservedPages: number;
}

/** Pages per slab of stored contents (32 KiB: a dropped page keeps at most this much alive). */
const CONTENT_SLAB_PAGES = 8;

/**
 * Host physical memory: the RAM map, page ownership as extents, a next-fit allocator with cursors,
 * and sparse page contents. Every page of every RAM range has exactly one extent; non-RAM PFNs have
 * none (they are MMIO space).
 *
 * @example
 * const ram = new HostRam([{ pfn: 0x100, count: 0x1000 }]);
 * ram.allocate('kernel', 4, CONTIGUOUS, 0); // { runs: [{ pfn: 0x100, count: 4 }], cursor: 0x104 }
 */
export class HostRam {
  readonly owners = new ExtentMap<Owner>(flatCodec(sameOwner));
  readonly #contents = new Map<number, HvPage>();
  /** The current slab of zeroed content pages, carved one page at a time. */
  #slab: ArrayBuffer | null = null;
  /** The next page of `#slab` to hand out (CONTENT_SLAB_PAGES: the slab is used up). */
  #slabNext = CONTENT_SLAB_PAGES;
  readonly #counts: Record<OwnerKind, number> = { free: 0, kernel: 0, user: 0, pool: 0, hv: 0 };
  /** Pages exclusive to each partition host-tag (SNP), kept by `retag` and `restore`: no scan per delete. */
  readonly #exclusive = new Map<number, number>();
  /** Hypervisor pages currently shared with the root (state pages, stats pages): readable by it. */
  readonly sharedWithRoot = new Set<number>();
  readonly totalPages: number;
  /** Pages promised to VMAs that are not resident yet: kernel allocations may not eat them. */
  reservedPages = 0;
  /** Free pages a guest still maps (`UserSpace.migrate` under a stale mapping): never allocated. */
  #mappedFree = 0;

  /**
   * @example
   * const ram = new HostRam([{ pfn: 0x100, count: 0x1000 }]);
   * ram.allocate('kernel', 4, CONTIGUOUS, 0); // { runs: [{ pfn: 0x100, count: 4 }], cursor: 0x104 }
   */
  constructor(readonly ranges: readonly PfnRun[]) {
    let total = 0;
    let prevEnd = -1;
    for (const r of ranges) {
      if (r.pfn < prevEnd || r.count <= 0)
        throw new RangeError('HostRam.ranges: must be sorted, disjoint, non-empty');
      this.owners.set(r.pfn, r.pfn + r.count, FREE);
      prevEnd = r.pfn + r.count;
      total += r.count;
    }
    this.totalPages = total;
    this.#counts.free = total;
  }

  /**
   * The state a snapshot keeps: extents, the pages whose contents are not all zero, the shared set
   * and the reservation. Bounded by the extent count and the non-zero pages, never by RAM size.
   *
   * @example
   * new HostRam([{ pfn: 0x100, count: 16 }]).save().owners.length; // 1
   */
  save(): SavedHostRam {
    const contents: { pfn: number; bytes: Uint8Array }[] = [];
    for (const [pfn, page] of this.#contents)
      if (!allZero(page.bytes)) contents.push({ pfn, bytes: page.bytes.slice() });
    contents.sort((a, b) => a.pfn - b.pfn);
    return {
      owners: [...this.owners],
      contents,
      sharedWithRoot: [...this.sharedWithRoot].sort((a, b) => a - b),
      reservedPages: this.reservedPages,
    };
  }

  /**
   * Host RAM over `ranges` in a recorded state. The per-kind counters are recomputed from the
   * extents; extents outside the ranges or gaps in them are the audit's to report.
   *
   * @example
   * const copy = HostRam.restore(ram.ranges, ram.save());
   */
  static restore(ranges: readonly PfnRun[], s: SavedHostRam): HostRam {
    const ram = new HostRam(ranges);
    ram.owners.load(s.owners);
    const counts = ram.#counts;
    for (const k of Object.keys(counts) as OwnerKind[]) counts[k] = 0;
    for (const e of s.owners) {
      counts[e.value.kind] += e.end - e.start;
      if (mappedFree(e.value)) ram.#mappedFree += e.end - e.start;
      ram.#countExclusive(e.value.exclusive, e.end - e.start);
    }
    for (const c of s.contents) ram.contents(c.pfn).bytes.set(c.bytes);
    for (const pfn of s.sharedWithRoot) ram.sharedWithRoot.add(pfn);
    ram.reservedPages = s.reservedPages;
    return ram;
  }

  /** Pages per owner kind. */
  counts(): Readonly<Record<OwnerKind, number>> {
    return { ...this.#counts };
  }

  /** One past the highest RAM PFN. */
  get endPfn(): number {
    const last = this.ranges[this.ranges.length - 1];
    return last === undefined ? 0 : last.pfn + last.count;
  }

  owner(pfn: number): Owner | undefined {
    return this.owners.get(pfn)?.value;
  }

  /** True when any page of [pfn, pfn + count) is RAM: one pass over the sorted RAM ranges. */
  rangeHasRam(pfn: number, count: number): boolean {
    const end = pfn + count;
    for (const r of this.ranges) if (r.pfn < end && pfn < r.pfn + r.count) return true;
    return false;
  }

  /** True when every page of [pfn, pfn + count) is RAM and satisfies `pred`. */
  all(pfn: number, count: number, pred: (o: Owner) => boolean): boolean {
    return this.owners.covered(pfn, pfn + count, (e) => pred(e.value)) === count;
  }

  /**
   * True when any page of [pfn, pfn + count) is a hypervisor page shared with the root (a state or
   * stats page, an overlay included). Walks the shorter of the range and the shared set.
   *
   * @example
   * ram.sharedWithRoot.add(0x105);
   * ram.anySharedWithRoot(0x100, 8); // true
   */
  anySharedWithRoot(pfn: number, count: number): boolean {
    const shared = this.sharedWithRoot;
    if (shared.size === 0) return false;
    if (count <= shared.size) {
      for (let i = 0; i < count; i++) if (shared.has(pfn + i)) return true;
      return false;
    }
    for (const s of shared) if (s >= pfn && s < pfn + count) return true;
    return false;
  }

  /**
   * True when some page is still exclusive to the partition with host-tag `key` (SNP), from counts
   * `retag` keeps (DELETE_PARTITION asks it for every partition it deletes).
   *
   * @example
   * ram.anyExclusiveTo(1); // false once every page RELEASE took for key 1 was ACQUIRED back
   */
  anyExclusiveTo(key: number): boolean {
    return (this.#exclusive.get(key) ?? 0) > 0;
  }

  /**
   * Pages exclusive to each host-tag, as the counters hold them (the audit compares them with the
   * extents).
   *
   * @example
   * ram.exclusiveCounts().get(1); // pages RELEASE made exclusive to key 1 and not ACQUIRED back
   */
  exclusiveCounts(): ReadonlyMap<number, number> {
    return new Map(this.#exclusive);
  }

  #countExclusive(key: number, pages: number): void {
    if (key < 0) return;
    const n = (this.#exclusive.get(key) ?? 0) + pages;
    if (n === 0) this.#exclusive.delete(key);
    else this.#exclusive.set(key, n);
  }

  /** Replace the owner of every RAM page in [pfn, pfn + count), keeping the per-kind counts. */
  retag(pfn: number, count: number, fn: (o: Owner) => Owner): void {
    this.owners.update(pfn, pfn + count, (o, s, e) => {
      const n = fn(o);
      if (n.exclusive !== o.exclusive) {
        this.#countExclusive(o.exclusive, s - e);
        this.#countExclusive(n.exclusive, e - s);
      }
      if (n.kind !== o.kind) {
        this.#counts[o.kind] -= e - s;
        this.#counts[n.kind] += e - s;
        if (n.kind === 'free') this.#dropContents(s, e);
      }
      if (mappedFree(o)) this.#mappedFree -= e - s;
      if (mappedFree(n)) this.#mappedFree += e - s;
      return n;
    });
  }

  /**
   * Take `count` free pages for `as` ('kernel' or 'user'), next-fit from cursor `cursor`, spread by
   * `pattern`. Returns the runs and the new cursor, or null when there are too few free pages
   * (kernel allocations may not use pages reserved for VMAs).
   */
  allocate(
    as: 'kernel' | 'user',
    count: number,
    pattern: AllocPattern,
    cursor: number,
    /** Receives each run instead of the returned list (which is then empty): no array of a million runs. */
    onRun?: (pfn: number, count: number) => void,
  ): { runs: PfnRun[]; cursor: number } | null {
    const free = this.#counts.free - this.#mappedFree;
    const usable = as === 'kernel' ? free - this.reservedPages : free;
    if (count > usable) return null;
    const owner = as === 'kernel' ? KERNEL : USER;
    const runs: PfnRun[] = [];
    const emit = onRun ?? ((pfn: number, n: number): void => void runs.push({ pfn, count: n }));
    let runPfn = -1;
    let runCount = 0;
    let need = count;
    let pos = cursor;
    let wrapped = false;
    while (need > 0) {
      const free = this.#nextFree(pos);
      if (free === undefined) {
        if (wrapped) throw new Error(`HostRam: ${need} pages short although ${this.#counts.free} are free`);
        wrapped = true;
        pos = 0;
        continue;
      }
      const start = Math.max(free.start, pos);
      const { runPages, gapPages } = pattern(need);
      const take = Math.max(1, Math.min(runPages, free.end - start, need));
      this.retag(start, take, () => owner);
      if (runPfn >= 0 && runPfn + runCount === start) runCount += take;
      else {
        if (runPfn >= 0) emit(runPfn, runCount);
        runPfn = start;
        runCount = take;
      }
      need -= take;
      pos = start + take + gapPages;
    }
    if (runPfn >= 0) emit(runPfn, runCount);
    return { runs, cursor: pos };
  }

  /**
   * Take `chunks` free 2 MiB pages (512-aligned) for user memory, in runs of `runChunks()` chunks with
   * `gapChunks()` skipped between runs, starting at `cursor`. Null when no aligned room is left.
   */
  allocateHuge(
    chunks: number,
    runChunks: () => number,
    gapChunks: () => number,
    cursor: number,
  ): { runs: PfnRun[]; cursor: number } | null {
    const runs: PfnRun[] = [];
    let need = chunks;
    let pos = alignUp(cursor);
    let wrapped = false;
    while (need > 0) {
      const free = this.#nextFree(pos);
      if (free === undefined) {
        if (wrapped) return null;
        wrapped = true;
        pos = 0;
        continue;
      }
      const start = alignUp(Math.max(free.start, pos));
      const room = Math.floor((free.end - start) / 512);
      if (room <= 0) {
        pos = free.end;
        continue;
      }
      const take = Math.min(runChunks(), room, need);
      this.retag(start, take * 512, () => USER);
      runs.push({ pfn: start, count: take * 512 });
      need -= take;
      pos = start + (take + gapChunks()) * 512;
    }
    return { runs, cursor: pos };
  }

  /** The live contents of a page (allocated zero-filled on first touch). */
  contents(pfn: number): HvPage {
    let page = this.#contents.get(pfn);
    if (page === undefined) {
      // Fresh pages come from slabs: one buffer per CONTENT_SLAB_PAGES pages (a world writes a few
      // pages per VP: state, stats), never reused, so a page handed out is zero. A page object is
      // made only when handed out (a model checker's short-lived world uses one or two of a slab).
      if (this.#slab === null || this.#slabNext === CONTENT_SLAB_PAGES) {
        this.#slab = new ArrayBuffer(CONTENT_SLAB_PAGES * HV_PAGE_SIZE);
        this.#slabNext = 0;
      }
      page = new HvPage(this.#slab, this.#slabNext * HV_PAGE_SIZE);
      this.#slabNext += 1;
      this.#contents.set(pfn, page);
    }
    return page;
  }

  /** Make page `pfn` read as zeros: a page with no stored contents already does, and stays unstored. */
  zeroContents(pfn: number): void {
    this.#contents.get(pfn)?.zero();
  }

  /** The page as the root may see it: throws HostCrash for pages the root does not own. */
  rootPage(pfn: number): HvPage {
    const o = this.owner(pfn);
    if (o === undefined) throw new HostCrash('touch-foreign', `pfn 0x${pfn.toString(16)} is not RAM`);
    if (o.exclusive >= 0)
      throw new HostCrash('touch-exclusive', `pfn 0x${pfn.toString(16)} is exclusive to a guest`);
    const rootOwned = o.kind === 'kernel' || o.kind === 'user';
    if (!rootOwned && !this.sharedWithRoot.has(pfn))
      throw new HostCrash('touch-foreign', `pfn 0x${pfn.toString(16)} is ${o.kind}, not the root's`);
    return this.contents(pfn);
  }

  /** Number of pages with stored contents (sparse). */
  get contentPages(): number {
    return this.#contents.size;
  }

  /** Freed pages lose their contents (the simulated scrub), without walking a huge range page by page. */
  #dropContents(start: number, end: number): void {
    if (this.#contents.size === 0) return;
    if (end - start <= this.#contents.size) {
      for (let p = start; p < end; p++) this.#contents.delete(p);
      return;
    }
    for (const p of [...this.#contents.keys()]) if (p >= start && p < end) this.#contents.delete(p);
  }

  /**
   * Free pages an allocation of user memory may take without eating the VMAs' reservation (and never
   * a free page a guest still maps).
   */
  spareFreePages(): number {
    return this.#counts.free - this.#mappedFree - this.reservedPages;
  }

  /** The stored contents of page `pfn`, or undefined when it reads as zeros (nothing is stored). */
  storedContents(pfn: number): HvPage | undefined {
    return this.#contents.get(pfn);
  }

  #nextFree(pos: number): Extent<Owner> | undefined {
    let found: Extent<Owner> | undefined;
    this.owners.forEachOverlap(pos, Number.MAX_SAFE_INTEGER, (e) => {
      // A free page a guest still maps (the mm freed it under a stale mapping) is never handed out.
      if (e.value.kind === 'free' && e.value.maps === 0 && e.end > pos) found = e;
      return found !== undefined;
    });
    return found;
  }
}

export const FREE: Owner = owner('free', -1, 0, 0, -1);
export const KERNEL: Owner = owner('kernel', -1, 0, 0, -1);
export const USER: Owner = owner('user', -1, 0, 0, -1);

/** A free page a guest still maps. */
function mappedFree(o: Owner): boolean {
  return o.kind === 'free' && o.maps > 0;
}

function alignUp(pfn: number): number {
  return Math.ceil(pfn / 512) * 512;
}

/**
 * The host's RAM ranges for `pages` pages of RAM: from 1 MiB up to the 3 GiB PCI hole, then from
 * 4 GiB on, as on a typical x86-64 server (the hole below 4 GiB is where MMIO BARs live).
 *
 * @example
 * ramRanges(1 << 20); // [{ pfn: 0x100, count: 0xbff00 }, { pfn: 0x100000, count: 0x40100 }]
 */
export function ramRanges(pages: number): PfnRun[] {
  const lowStart = 0x100;
  const holeStart = 0xc0000;
  const highStart = 0x100000;
  const low = Math.min(pages, holeStart - lowStart);
  const out: PfnRun[] = [{ pfn: lowStart, count: low }];
  if (pages > low) out.push({ pfn: highStart, count: pages - low });
  return out;
}
