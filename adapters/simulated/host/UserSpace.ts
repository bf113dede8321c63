import type { HostMemoryDecl } from '../../../src/scenario/Scenario.js';
import type { PfnRun, UserRange, VmaInfo } from '../../../src/ports/HostPort.js';
import type { Rng } from '../../../src/det/Rng.js';
import { type Extent, ExtentMap, type ExtentCodec } from '../ExtentMap.js';
import { HostCrash } from './HostCrash.js';
import { type AllocPattern, HostRam, withOwner } from './HostRam.js';

/** Page index inside a VMA → host PFN, joined when both continue. */
const residentCodec: ExtentCodec<number> = {
  slice: (pfn, offset) => pfn + offset,
  joins: (a, len, b) => a + len === b,
};

/** What `UserSpace.migrate` did, in 4 KiB pages. */
export interface MigrateReport {
  /** Pages moved to new host pages. */
  readonly moved: number;
  /** Pages left in place because they are pinned. */
  readonly pinned: number;
  /** Old pages freed while a guest still mapped them (a stale mapping: the audit reports it). */
  readonly mappedFreed: number;
}

/** One VMA of the VMM process. */
export interface Vma extends VmaInfo {
  readonly pages: number;
  /** Resident pages (RAM VMAs): page index → PFN. 2 MiB VMAs are fully resident from the start. */
  readonly resident: ExtentMap<number>;
}

/** Fragmentation knobs of 4 KiB-backed memory, chosen from the seed and printed by `describe()`. */
export interface FragmentationKnobs {
  /** Mean pages per physically contiguous run of a 4 KiB-backed VMA. */
  readonly runPagesMean: number;
  /** Probability that a run is a short one (1..16 pages), as after long uptime. */
  readonly shortRunRate: number;
  /** Largest hole (pages) left free between two runs. */
  readonly gapPagesMax: number;
  /** Largest run of 2 MiB pages handed out contiguously to a hugetlb VMA. */
  readonly hugeRunChunksMax: number;
}

/** A migration of `[userAddr, userAddr + pages × 4096)` the mm starts during the next fault-in over it. */
export interface RacingMigration {
  readonly userAddr: bigint;
  readonly pages: number;
}

/** What UserSpace holds beyond its VMAs (which come from the configuration). */
export interface SavedUserSpace {
  /** Next-fit cursor for faulting 4 KiB-backed memory in. */
  readonly cursor: number;
  /** Resident extents (page index → PFN) of each VMA, in VMA address order. */
  readonly resident: readonly (readonly Extent<number>[])[];
  /** The migration armed to race the next fault-in (`armRace`), when one is. */
  readonly race?: RacingMigration;
}

/**
 * The VMM process's address space: the scenario's `hostMemory` VMAs, faulted in on first pin with
 * PFNs chosen from the seed. 4 KiB-backed memory comes in runs of varying length with holes between
 * them (the holes later serve kernel allocations); 2 MiB-backed (hugetlb) memory is reserved at
 * construction, as a hugetlb pool is at boot, in 512-aligned runs.
 *
 * @example
 * const decl = { kind: 'ram', userAddr: 0x7f0000000000n, size: 0x200000n, pageSize: 4096 } as const;
 * const user = new UserSpace([decl], ram, rng, knobs.fragmentation);
 * user.pin(0x7f0000000000n, 4).kind; // 'ram': four pages faulted in and pinned
 */
export class UserSpace {
  readonly vmas: readonly Vma[];
  #cursor: number;
  #race: RacingMigration | null = null;
  /**
   * Invalidations started (`migrate` calls): the mm's invalidate sequence. Not saved: only its change
   * across one fault-in means anything (`mmInvalidations`), and no snapshot falls inside a fault-in.
   */
  #invalidations = 0;

  constructor(
    decls: readonly HostMemoryDecl[],
    readonly ram: HostRam,
    readonly rng: Rng,
    readonly knobs: FragmentationKnobs,
    /** A recorded state (SimulatedMachine.fromSnapshot): nothing is drawn or allocated, `ram` already holds it. */
    restored?: SavedUserSpace,
  ) {
    const vmas: Vma[] = decls.map((d, i) => {
      if (d.userAddr % 4096n !== 0n || d.size % 4096n !== 0n || d.size === 0n)
        throw new RangeError(`hostMemory[${i}]: userAddr and size must be non-zero multiples of 4 KiB`);
      if (d.kind === 'ram' && d.pageSize === 2097152 && (d.userAddr | d.size) % 2097152n !== 0n)
        throw new RangeError(`hostMemory[${i}]: 2M-backed memory needs 2 MiB aligned userAddr and size`);
      if (d.kind === 'mmio' && d.spa % 4096n !== 0n)
        throw new RangeError(`hostMemory[${i}].spa: must be 4 KiB aligned`);
      return {
        start: d.userAddr,
        end: d.userAddr + d.size,
        kind: d.kind === 'mmio' ? 'mmio' : d.pageSize === 4096 ? 'ram-4k' : 'ram-2m',
        pgoff: d.kind === 'mmio' ? Number(d.spa >> 12n) : 0,
        pages: Number(d.size >> 12n),
        resident: new ExtentMap<number>(residentCodec),
      };
    });
    vmas.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
    for (let i = 1; i < vmas.length; i++) {
      const prev = vmas[i - 1];
      const cur = vmas[i];
      if (prev !== undefined && cur !== undefined && cur.start < prev.end)
        throw new RangeError(
          `hostMemory: VMAs at 0x${prev.start.toString(16)} and 0x${cur.start.toString(16)} overlap`,
        );
    }
    this.vmas = vmas;
    if (restored !== undefined) {
      if (restored.resident.length !== vmas.length)
        throw new RangeError(`UserSpace: ${restored.resident.length} resident maps for ${vmas.length} VMAs`);
      vmas.forEach((v, i) => {
        v.resident.load(restored.resident[i] ?? []);
      });
      this.#cursor = restored.cursor;
      this.#race = restored.race ?? null;
      return;
    }
    this.#cursor = ram.ranges[0]?.pfn ?? 0;
    this.#cursor += rng.below(Math.max(1, Math.floor(ram.totalPages / 8)));
    for (const v of vmas) {
      if (v.kind === 'ram-4k') ram.reservedPages += v.pages;
      if (v.kind === 'ram-2m') this.#backHuge(v);
    }
  }

  findVma(userAddr: bigint): Vma | undefined {
    let lo = 0;
    let hi = this.vmas.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const v = this.vmas[mid];
      if (v !== undefined && v.end <= userAddr) lo = mid + 1;
      else hi = mid;
    }
    const v = this.vmas[lo];
    return v !== undefined && v.start <= userAddr ? v : undefined;
  }

  /** Pin `pages` pages from `userAddr` (all or nothing), faulting in what is not resident yet. */
  pin(userAddr: bigint, pages: number): UserRange {
    const range = this.fault(userAddr, pages);
    if (range.kind === 'ram')
      for (const r of range.runs) this.ram.retag(r.pfn, r.count, (o) => withOwner(o, { pins: o.pins + 1 }));
    return range;
  }

  /**
   * Resolve `pages` pages from `userAddr` to host pages (all or nothing), faulting in what is not
   * resident yet, without pinning them: what hmm_range_fault gives a movable region (the pages stay
   * the mm's, to migrate after the MMU notifiers ran).
   */
  fault(userAddr: bigint, pages: number): UserRange {
    if (userAddr % 4096n !== 0n || !Number.isSafeInteger(pages) || pages <= 0) return { kind: 'none' };
    const first = this.findVma(userAddr);
    if (first === undefined) return { kind: 'none' };
    if (first.kind === 'mmio') return { kind: 'mmio', startPfn: first.pgoff };
    // Collect the VMA segments the range crosses; they must be contiguous RAM VMAs.
    const segments: { vma: Vma; from: number; count: number }[] = [];
    let addr = userAddr;
    let left = pages;
    while (left > 0) {
      const v = this.findVma(addr);
      if (v === undefined || v.kind === 'mmio') return { kind: 'none' };
      const from = Number((addr - v.start) >> 12n);
      const count = Math.min(left, v.pages - from);
      segments.push({ vma: v, from, count });
      left -= count;
      addr = v.end;
    }
    const runs: PfnRun[] = [];
    for (const s of segments) {
      this.#faultIn(s.vma, s.from, s.count);
      s.vma.resident.forEachOverlap(s.from, s.from + s.count, (e) => {
        const lo = Math.max(e.start, s.from);
        const hi = Math.min(e.end, s.from + s.count);
        pushRun(runs, e.value + (lo - e.start), hi - lo);
      });
    }
    return { kind: 'ram', runs, hugeBacked: first.kind === 'ram-2m' };
  }

  /**
   * Migrate the resident pages of `[userAddr, userAddr + pages × 4096)` (compaction, NUMA balancing,
   * swap-out and in: the mm moves a page and frees the old one), after the caller ran the MMU
   * notifiers over the range. Only unpinned pages of 4 KiB-backed VMAs move (a pinned page cannot be
   * migrated; hugetlb pages stay: the pool holds no free huge page to move one to), each to a newly
   * allocated page with its contents copied; pages outside the VMAs or not resident are skipped. An old page a guest still maps is freed anyway, as
   * the mm does once the notifiers returned (HMM holds no reference): it stays counted as mapped, so
   * the audit reports it (`free but mapped into a guest`), and the allocator never hands it out again.
   * Pages move while free memory lasts; the rest stay.
   *
   * @example
   * user.migrate(0x7f0000000000n, 512); // { moved: 512, pinned: 0, mappedFreed: 0 }
   */
  migrate(userAddr: bigint, pages: number): MigrateReport {
    const report = { moved: 0, pinned: 0, mappedFreed: 0 };
    if (userAddr % 4096n !== 0n || !Number.isSafeInteger(pages) || pages <= 0) return report;
    this.#invalidations += 1;
    const end = userAddr + BigInt(pages) * 4096n;
    for (const v of this.vmas) {
      if (v.kind !== 'ram-4k' || v.end <= userAddr || v.start >= end) continue;
      const from = Number(((userAddr > v.start ? userAddr : v.start) - v.start) >> 12n);
      const to = Number(((end < v.end ? end : v.end) - v.start) >> 12n);
      const movable: { page: number; pfn: number; count: number }[] = [];
      v.resident.forEachOverlap(from, to, (e) => {
        const lo = Math.max(e.start, from);
        const hi = Math.min(e.end, to);
        // Split the piece where pinned pages interrupt it: those stay.
        let page = lo;
        this.ram.owners.forEachOverlap(e.value + (lo - e.start), e.value + (hi - e.start), (o) => {
          const oLo = Math.max(o.start, e.value + (lo - e.start));
          const oHi = Math.min(o.end, e.value + (hi - e.start));
          const count = oHi - oLo;
          if (o.value.pins > 0) report.pinned += count;
          else movable.push({ page, pfn: oLo, count });
          page += count;
        });
      });
      for (const m of movable) {
        // The new pages may not come from those promised to VMAs not resident yet.
        if (this.ram.spareFreePages() < m.count) break;
        let page = m.page;
        let old = m.pfn;
        const got = this.ram.allocate('user', m.count, this.#pattern, this.#cursor, (pfn, count) => {
          for (let i = 0; i < count; i++) this.#copyPage(old + i, pfn + i);
          v.resident.set(page, page + count, pfn);
          page += count;
          old += count;
        });
        if (got === null) break;
        this.#cursor = got.cursor;
        this.ram.owners.forEachOverlap(m.pfn, m.pfn + m.count, (o) => {
          if (o.value.maps > 0)
            report.mappedFreed += Math.min(o.end, m.pfn + m.count) - Math.max(o.start, m.pfn);
        });
        this.ram.retag(m.pfn, m.count, (o) => withOwner(o, { kind: 'free' }));
        report.moved += m.count;
      }
    }
    return report;
  }

  /**
   * The host page the mm holds at each page of `[userAddr, userAddr + pages × 4096)` now, as runs,
   * without faulting anything in; -1 for a page that is not resident RAM (outside the VMAs, MMIO, or
   * not faulted in). What a movable region's present pages must mirror.
   *
   * @example
   * user.residentRuns(0x7f0000000000n, 4); // [{ pfn: 0x1c000, count: 4 }] once faulted in
   */
  residentRuns(userAddr: bigint, pages: number): PfnRun[] {
    const runs: PfnRun[] = [];
    let addr = userAddr;
    let left = pages;
    while (left > 0) {
      const v = this.findVma(addr);
      if (v === undefined || v.kind === 'mmio') {
        // No RAM up to the end of this MMIO VMA, or to the next VMA: one hole, however long.
        const next = v?.end ?? this.vmas.find((x) => x.start > addr)?.start;
        const gap = next === undefined ? left : Math.min(left, Number((next - addr) >> 12n));
        pushRun(runs, -1, gap);
        addr += BigInt(gap) * 4096n;
        left -= gap;
        continue;
      }
      const from = Number((addr - v.start) >> 12n);
      const count = Math.min(left, v.pages - from);
      let at = from;
      v.resident.forEachOverlap(from, from + count, (e) => {
        const lo = Math.max(e.start, from);
        const hi = Math.min(e.end, from + count);
        if (lo > at) pushRun(runs, -1, lo - at);
        pushRun(runs, e.value + (lo - e.start), hi - lo);
        at = hi;
      });
      if (at < from + count) pushRun(runs, -1, from + count - at);
      left -= count;
      addr += BigInt(count) * 4096n;
    }
    return runs;
  }

  /** Invalidations the mm has started (every `migrate`): what mmu_interval_read_begin samples. */
  get invalidations(): number {
    return this.#invalidations;
  }

  /** The migration armed to race the next fault-in over its range, or null. */
  get race(): RacingMigration | null {
    return this.#race;
  }

  /**
   * Arm a migration of `[userAddr, userAddr + pages × 4096)` that the mm starts while the next
   * hmm_range_fault over any page of it runs, after that fault has resolved its pages (`takeRace`).
   * False, and nothing armed, when one is armed already.
   *
   * @example
   * user.armRace(0x7f0000000000n, 512); // true
   */
  armRace(userAddr: bigint, pages: number): boolean {
    if (userAddr < 0n || userAddr % 4096n !== 0n)
      throw new RangeError(`armRace.userAddr: 0x${userAddr.toString(16)} is not a page address`);
    if (!Number.isSafeInteger(pages) || pages <= 0)
      throw new RangeError(`armRace.pages: ${pages} is not a positive page count`);
    if (this.#race !== null) return false;
    this.#race = { userAddr, pages };
    return true;
  }

  /**
   * The armed migration, disarmed, when it overlaps `[userAddr, userAddr + pages × 4096)` (the range
   * a fault-in has just resolved); else undefined.
   */
  takeRace(userAddr: bigint, pages: number): RacingMigration | undefined {
    const race = this.#race;
    if (race === null) return undefined;
    const end = userAddr + BigInt(pages) * 4096n;
    const raceEnd = race.userAddr + BigInt(race.pages) * 4096n;
    if (raceEnd <= userAddr || race.userAddr >= end) return undefined;
    this.#race = null;
    return race;
  }

  #copyPage(from: number, to: number): void {
    const src = this.ram.storedContents(from);
    if (src !== undefined) this.ram.contents(to).bytes.set(src.bytes);
  }

  /** Drop one pin from every page of `runs`. */
  unpin(runs: readonly PfnRun[]): void {
    for (const r of runs) {
      if (!this.ram.all(r.pfn, r.count, (o) => o.kind === 'user' && o.pins > 0))
        throw new HostCrash(
          'bad-unpin',
          `[0x${r.pfn.toString(16)}, +${r.count}) is not all pinned user memory`,
        );
      if (!this.ram.all(r.pfn, r.count, (o) => o.exclusive < 0))
        throw new HostCrash(
          'touch-exclusive',
          `unpinning [0x${r.pfn.toString(16)}, +${r.count}) still exclusive to a guest`,
        );
    }
    for (const r of runs) this.ram.retag(r.pfn, r.count, (o) => withOwner(o, { pins: o.pins - 1 }));
  }

  /**
   * The state a snapshot keeps (see SavedUserSpace); the generator's position is `rng.state()`.
   *
   * @example
   * user.save().resident.length === user.vmas.length; // true
   */
  save(): SavedUserSpace {
    return {
      cursor: this.#cursor,
      resident: this.vmas.map((v) => [...v.resident]),
      ...(this.#race === null ? {} : { race: this.#race }),
    };
  }

  /** Resident pages over all VMAs. */
  residentPages(): number {
    let n = 0;
    for (const v of this.vmas) for (const e of v.resident) n += e.end - e.start;
    return n;
  }

  #faultIn(vma: Vma, from: number, count: number): void {
    let pos = from;
    const end = from + count;
    const holes: [number, number][] = [];
    vma.resident.forEachOverlap(from, end, (e) => {
      if (e.start > pos) holes.push([pos, e.start]);
      pos = Math.max(pos, e.end);
    });
    if (pos < end) holes.push([pos, end]);
    for (const [lo, hi] of holes) {
      this.ram.reservedPages -= hi - lo;
      let page = lo;
      const got = this.ram.allocate('user', hi - lo, this.#pattern, this.#cursor, (pfn, count) => {
        vma.resident.set(page, page + count, pfn);
        page += count;
      });
      if (got === null)
        throw new Error('UserSpace: reserved VMA memory is missing (host RAM accounting broken)');
      this.#cursor = got.cursor;
    }
  }

  readonly #pattern: AllocPattern = (remaining) => {
    const k = this.knobs;
    const runPages = this.rng.chance(k.shortRunRate)
      ? this.rng.int(1, 16)
      : this.rng.int(1, Math.max(1, 2 * k.runPagesMean));
    const gapPages = this.rng.chance(0.5) ? this.rng.int(1, k.gapPagesMax) : 0;
    return { runPages: Math.min(runPages, remaining), gapPages };
  };

  #backHuge(vma: Vma): void {
    const chunks = vma.pages / 512;
    const got = this.ram.allocateHuge(
      chunks,
      () => this.rng.int(1, this.knobs.hugeRunChunksMax),
      () => (this.rng.chance(0.5) ? this.rng.int(1, 4) : 0),
      this.#cursor,
    );
    if (got === null)
      throw new RangeError(
        `hostMemory: no room for ${chunks} aligned 2 MiB pages at 0x${vma.start.toString(16)}`,
      );
    this.#cursor = got.cursor;
    let page = 0;
    for (const r of got.runs) {
      vma.resident.set(page, page + r.count, r.pfn);
      page += r.count;
    }
  }
}

/** Append a run, joined to the last when it continues it; a hole (pfn -1) joins only a hole. */
function pushRun(runs: PfnRun[], pfn: number, count: number): void {
  const last = runs[runs.length - 1];
  if (last !== undefined && (pfn < 0 ? last.pfn < 0 : last.pfn >= 0 && last.pfn + last.count === pfn))
    runs[runs.length - 1] = { pfn: last.pfn, count: last.count + count };
  else runs.push({ pfn, count });
}
