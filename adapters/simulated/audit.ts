import type { PfnRun } from '../../src/ports/HostPort.js';
import type { HostRam, OwnerKind } from './host/HostRam.js';
import type { UserSpace } from './host/UserSpace.js';
import { SLAT_REGION_PAGES } from './model/GpaMap.js';
import type { HvModel } from './model/HvModel.js';
import type { Partition } from './model/Partition.js';

/** Page counts of one partition's pool, as the hypervisor keeps them and as the host map shows them. */
export interface PoolAudit {
  readonly partitionId: bigint;
  readonly state: Partition['state'];
  readonly freePages: number;
  readonly usedPages: number;
  readonly slatPages: number;
  /** Pool pages still attributed to a deleted partition: deposited and never withdrawn. */
  readonly leakedPages: number;
}

/** What `audit()` found. Violations break conservation; findings are states a checker may flag. */
export interface AuditReport {
  readonly ok: boolean;
  readonly violations: readonly string[];
  readonly totals: Readonly<Record<OwnerKind, number>> & { readonly totalPages: number };
  readonly pools: readonly PoolAudit[];
  /** Guest-mapped pages of RAM (sum over partitions), and host pages mapped more than once. */
  readonly mappedPages: number;
  readonly multiplyMappedPages: number;
  /** User pages mapped into a guest while not pinned (the host may reuse them under the guest). */
  readonly mappedUnpinnedPages: number;
  /** Pages exclusive to a guest (SNP), by partition id. */
  readonly exclusivePages: number;
  readonly leakedPages: number;
}

/**
 * Prove conservation over the whole machine: every RAM page has exactly one owner (host extents cover
 * the RAM ranges exactly, without overlap, and agree with the per-kind counters); each pool's free and
 * used counts match the pages tagged with it, and its stacks list exactly those pages (the free stack
 * the `pool` pages, the used stack with the state and stats pages the `hv` pages); each pool's used
 * pages equal what its structures hold (page tables, partition, VP, port and connection structures,
 * state and stats pages); the page-table count equals the cost model recomputed from the GPA map; every
 * host page's guest-mapping count equals the number of GPA extents that point at it; and the pages
 * shared with the root are exactly the VP state and stats pages mapped. Linear in the number of extents
 * (plus a sort).
 *
 * @example
 * auditMachine(model, host.ram, host.user).violations; // [] when every page is accounted for
 */
export function auditMachine(m: HvModel, ram: HostRam, user: UserSpace): AuditReport {
  const v: string[] = [];
  try {
    ram.owners.check('host ownership');
  } catch (e) {
    v.push((e as Error).message);
  }
  const counts: Record<OwnerKind, number> = { free: 0, kernel: 0, user: 0, pool: 0, hv: 0 };
  const poolPages = new Map<number, number>();
  const hvPages = new Map<number, number>();
  let covered = 0;
  let mappedUnpinned = 0;
  let exclusive = 0;
  const exclusiveByKey = new Map<number, number>();
  let hostMapRefs = 0;
  let multiply = 0;
  for (const e of ram.owners) {
    const n = e.end - e.start;
    covered += n;
    counts[e.value.kind] += n;
    if (!ram.rangeHasRam(e.start, n)) v.push(`host extent [0x${e.start.toString(16)}, +${n}) is not RAM`);
    if (e.value.kind === 'pool')
      poolPages.set(e.value.partition, (poolPages.get(e.value.partition) ?? 0) + n);
    if (e.value.kind === 'hv') hvPages.set(e.value.partition, (hvPages.get(e.value.partition) ?? 0) + n);
    if (e.value.maps < 0) v.push(`host [0x${e.start.toString(16)}, +${n}) has a negative map count`);
    if (e.value.maps > 0 && e.value.kind !== 'kernel' && e.value.kind !== 'user')
      v.push(`host [0x${e.start.toString(16)}, +${n}) is ${e.value.kind} but mapped into a guest`);
    if (e.value.maps > 0 && e.value.kind === 'user' && e.value.pins === 0) mappedUnpinned += n;
    if (e.value.maps > 1) multiply += n;
    if (e.value.pins > 0 && e.value.kind !== 'user')
      v.push(`host [0x${e.start.toString(16)}, +${n}) pinned but ${e.value.kind}`);
    if (e.value.exclusive >= 0) {
      exclusive += n;
      exclusiveByKey.set(e.value.exclusive, (exclusiveByKey.get(e.value.exclusive) ?? 0) + n);
      if (e.value.kind !== 'user')
        v.push(`host [0x${e.start.toString(16)}, +${n}) exclusive but ${e.value.kind}`);
      // Exclusive pages stay attributed to the partition that took them, deleted or not: a key no
      // partition holds could be handed to the next one created, and the pages with it.
      if (m.byKey(e.value.exclusive) === undefined)
        v.push(`host [0x${e.start.toString(16)}, +${n}) exclusive to key ${e.value.exclusive}, held by none`);
    }
    hostMapRefs += e.value.maps * n;
  }
  const total = ram.totalPages;
  if (covered !== total) v.push(`host extents cover ${covered} pages, RAM has ${total}`);
  const live = ram.counts();
  for (const k of Object.keys(counts) as OwnerKind[])
    if (counts[k] !== live[k]) v.push(`owner ${k}: ${counts[k]} pages in extents, counter says ${live[k]}`);
  const kept = ram.exclusiveCounts();
  for (const key of new Set([...exclusiveByKey.keys(), ...kept.keys()]))
    if ((exclusiveByKey.get(key) ?? 0) !== (kept.get(key) ?? 0))
      v.push(
        `exclusive to key ${key}: ${exclusiveByKey.get(key) ?? 0} pages in extents, counter says ${kept.get(key) ?? 0}`,
      );
  const resident = user.residentPages();
  if (resident !== counts.user)
    v.push(`user pages: ${counts.user} in the host map, ${resident} resident in VMAs`);

  // Pools and what holds them.
  const pools: PoolAudit[] = [];
  let leaked = 0;
  const statsFromRoot = { pages: 0, pfns: [] as number[] };
  for (const p of m.all()) {
    for (const vp of p.vps.values())
      for (const page of vp.statsPages.values())
        if (!page.overlay) {
          statsFromRoot.pages += 1;
          statsFromRoot.pfns.push(page.pfn);
        }
  }
  for (const p of m.all()) {
    const free = poolPages.get(p.key) ?? 0;
    const used = hvPages.get(p.key) ?? 0;
    if (free !== p.pool.freePages)
      v.push(`partition 0x${p.id.toString(16)}: ${free} pool pages tagged, pool says ${p.pool.freePages}`);
    if (used !== p.pool.usedPages)
      v.push(`partition 0x${p.id.toString(16)}: ${used} hv pages tagged, pool says ${p.pool.usedPages}`);
    let statePages = 0;
    for (const vp of p.vps.values())
      for (const page of vp.statePages.values()) if (!page.overlay) statePages += 1;
    const held =
      p.gpa.slatPages +
      p.held.partition +
      p.held.vps +
      p.held.ports +
      p.held.connections +
      statePages +
      (p.isRoot ? statsFromRoot.pages : 0);
    if (held !== p.pool.usedPages)
      v.push(
        `partition 0x${p.id.toString(16)}: structures hold ${held} pages, pool used ${p.pool.usedPages}`,
      );
    const specific: number[] = [];
    for (const vp of p.vps.values())
      for (const page of vp.statePages.values()) if (!page.overlay) specific.push(page.pfn);
    if (p.isRoot) specific.push(...statsFromRoot.pfns);
    v.push(...poolStackProblems(p, ram, specific));
    const slat = slatPagesOf(p);
    if (slat !== p.gpa.slatPages)
      v.push(`partition 0x${p.id.toString(16)}: page tables ${p.gpa.slatPages}, map needs ${slat}`);
    try {
      p.gpa.extents.check(`gpa map 0x${p.id.toString(16)}`);
      p.gpa.access.check(`access bits 0x${p.id.toString(16)}`);
    } catch (e) {
      v.push((e as Error).message);
    }
    const leakedHere = p.state === 'deleted' ? p.pool.totalPages : 0;
    leaked += leakedHere;
    pools.push({
      partitionId: p.id,
      state: p.state,
      freePages: p.pool.freePages,
      usedPages: p.pool.usedPages,
      slatPages: p.gpa.slatPages,
      leakedPages: leakedHere,
    });
  }

  v.push(...sharedPageProblems(m, ram));

  // Guest mappings against host map counts, page by page in runs.
  const refs: [number, number][] = [];
  let mapped = 0;
  for (const p of m.all())
    for (const e of p.gpa.extents)
      if (e.value.backing === 'ram') {
        refs.push([e.value.pfn, e.end - e.start]);
        mapped += e.end - e.start;
      }
  if (mapped !== hostMapRefs)
    v.push(`guest maps reference ${mapped} RAM pages, host map counts ${hostMapRefs}`);
  else v.push(...compareRefs(ram, refs));

  return {
    ok: v.length === 0,
    violations: v,
    totals: { ...counts, totalPages: total },
    pools,
    mappedPages: mapped,
    multiplyMappedPages: multiply,
    mappedUnpinnedPages: mappedUnpinned,
    exclusivePages: exclusive,
    leakedPages: leaked,
  };
}

/**
 * The page-table pages the cost model assigns to `p`'s current map, counted from scratch.
 *
 * @example
 * slatPagesOf(p) === p.gpa.slatPages; // true while the cost model's counter is right
 */
export function slatPagesOf(p: Partition): number {
  let pages = 0;
  for (let level = 0; level < SLAT_REGION_PAGES.length; level++) {
    const size = SLAT_REGION_PAGES[level] ?? 1;
    let last = -1;
    for (const e of p.gpa.extents) {
      if (level === 0 && e.value.large) continue;
      const first = Math.max(Math.floor(e.start / size), last + 1);
      const end = Math.floor((e.end - 1) / size);
      if (end >= first) {
        pages += end - first + 1;
        last = end;
      }
    }
  }
  return pages;
}

/**
 * Where `p`'s pool stacks disagree with the host map: the free stack must list exactly the pages
 * tagged `pool` for it, and the used stack plus the `specific` pages (state and stats pages taken
 * one by one) exactly the pages tagged `hv` for it, each page once. The counters alone can agree while
 * a stack names other pages, and the next WITHDRAW_MEMORY would hand the root a page it never gave.
 */
function poolStackProblems(p: Partition, ram: HostRam, specific: readonly number[]): string[] {
  const out: string[] = [];
  const name = `partition 0x${p.id.toString(16)}`;
  const check = (what: string, runs: readonly PfnRun[], kind: OwnerKind, pages: number): void => {
    let sum = 0;
    for (const r of runs) {
      sum += r.count;
      if (!ram.all(r.pfn, r.count, (o) => o.kind === kind && o.partition === p.key)) {
        out.push(
          `${name}: ${what} run [0x${r.pfn.toString(16)}, +${r.count}) is not all ${kind} of the pool`,
        );
        return;
      }
    }
    if (sum !== pages) out.push(`${name}: ${what} lists ${sum} pages, pool says ${pages}`);
    const sorted = [...runs].sort((a, b) => a.pfn - b.pfn);
    for (let i = 1; i < sorted.length; i++) {
      const prev = sorted[i - 1];
      const next = sorted[i];
      if (prev !== undefined && next !== undefined && prev.pfn + prev.count > next.pfn) {
        out.push(`${name}: ${what} lists page 0x${next.pfn.toString(16)} twice`);
        return;
      }
    }
  };
  check('free stack', p.pool.freeRuns(), 'pool', p.pool.freePages);
  const used = [...p.pool.usedRuns(), ...specific.map((pfn) => ({ pfn, count: 1 }))];
  check('used stack and state/stats pages', used, 'hv', p.pool.usedPages);
  return out;
}

/**
 * Where the pages shared with the root disagree with the VPs: they must be exactly the state and stats
 * pages some VP has mapped, each mapped once. A page shared by mistake could not be deposited, mapped
 * or freed; a state page left out could be handed to a guest.
 */
function sharedPageProblems(m: HvModel, ram: HostRam): string[] {
  const mapped = new Set<number>();
  let pages = 0;
  for (const p of m.all())
    for (const vp of p.vps.values())
      for (const page of [...vp.statePages.values(), ...vp.statsPages.values()]) {
        mapped.add(page.pfn);
        pages += 1;
      }
  const out: string[] = [];
  if (mapped.size !== pages)
    out.push(`VP state and stats pages: ${pages} mapped on ${mapped.size} host pages`);
  for (const pfn of ram.sharedWithRoot)
    if (!mapped.has(pfn)) {
      out.push(`host page 0x${pfn.toString(16)} is shared with the root, but no VP maps it`);
      break;
    }
  for (const pfn of mapped)
    if (!ram.sharedWithRoot.has(pfn)) {
      out.push(`host page 0x${pfn.toString(16)} is a VP state or stats page, not shared with the root`);
      break;
    }
  return out;
}

/** Sweep sorted guest references against the host map: each host page's `maps` must equal its references. */
function compareRefs(ram: HostRam, refs: [number, number][]): string[] {
  const events: [number, number][] = [];
  for (const [pfn, n] of refs) events.push([pfn, 1], [pfn + n, -1]);
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const out: string[] = [];
  let depth = 0;
  let pos = ram.ranges[0]?.pfn ?? 0;
  const check = (lo: number, hi: number, want: number): void => {
    if (lo >= hi || out.length > 8) return;
    ram.owners.forEachOverlap(lo, hi, (e) => {
      if (e.value.maps !== want) {
        out.push(
          `host [0x${Math.max(e.start, lo).toString(16)}, 0x${Math.min(e.end, hi).toString(16)}) maps ${e.value.maps}, guests reference it ${want} times`,
        );
        return true;
      }
      return undefined;
    });
  };
  for (const [at, d] of events) {
    check(pos, at, depth);
    depth += d;
    pos = at;
  }
  check(pos, ram.endPfn, 0);
  return out;
}
