import { HV_MAP_GPA } from '../../../src/hv/flags/HvMapGpaFlag.js';
import { HV_PARTITION_CREATION_FLAG } from '../../../src/hv/flags/HvPartitionCreationFlag.js';
import { MapGpaPages, MapGpaPagesInput } from '../../../src/hv/hypercalls/MapGpaPages.js';
import { PAGES_PER_LARGE_PAGE } from '../../../src/hv/Page.js';
import { PFN_LIMIT } from '../host/HostRam.js';
import { type GpaValue, gfnRangeFits } from '../model/GpaMap.js';
import { noteRemapped } from '../model/Guest.js';
import type { Partition } from '../model/Partition.js';
import { type CallContext, S, listU64, partitionIn, repHandler } from './Handler.js';

const KNOWN_MAP_FLAGS =
  HV_MAP_GPA.PERMISSIONS_MASK |
  HV_MAP_GPA.ADJUSTABLE |
  HV_MAP_GPA.NO_ACCESS |
  HV_MAP_GPA.NOT_CACHED |
  HV_MAP_GPA.LARGE_PAGE;

const LIST_OFFSET = MapGpaPagesInput.size;

interface Run {
  readonly gfn: number;
  readonly pfn: number;
  pages: number;
  readonly backing: GpaValue['backing'];
}

/**
 * MAP_GPA_PAGES (rep, ≤ 509 PFNs): rep i maps guest page target_gpa_base + i (LARGE_PAGE: the 2 MiB
 * page at base + 512 i, whose list entry is the head PFN) to list entry i, replacing any mapping there.
 *
 * Checks, in order: the partition is initialized; map flags are known, LARGE_PAGE needs the
 * GPA_SUPER_PAGES creation flag (INVALID_PARAMETER); the whole call's range (rep count from the
 * control word, not the reps of this slice) fits the 2^40-page GPA space (INVALID_PARAMETER, no rep
 * done, at every resume: the answer does not depend on the time slice); large pages need a
 * 512-aligned base and head PFN (INVALID_ALIGNMENT); then per rep, the host page: below 2^40
 * (INVALID_PARAMETER), RAM the root owns (kernel or user memory, not exclusive to another partition,
 * not a page the hypervisor shares with the root), or non-RAM (MMIO) mapped NOT_CACHED, never large;
 * anything else is ACCESS_DENIED. NO_ACCESS mappings ignore their PFNs. Page tables come from the pool
 * per 2 MiB region (INSUFFICIENT_MEMORY at the first rep of a region the pool cannot cover; the driver
 * deposits 256 pages and resumes there).
 *
 * Every rep counted as completed is mapped, each as it would be if issued alone: a refused rep stops
 * the call there, with the reps before it mapped.
 *
 * Hot path: PFNs are read with getU64Number and coalesced into runs; a run costs a few extent
 * operations however long it is. A run refused as a whole (RAM next to MMIO, say) is taken rep by rep.
 */
export const MapGpaPagesHandler = repHandler(
  MapGpaPages,
  [
    S.INVALID_PARTITION_ID,
    S.INVALID_PARTITION_STATE,
    S.INVALID_PARAMETER,
    S.INVALID_ALIGNMENT,
    S.ACCESS_DENIED,
    S.INSUFFICIENT_MEMORY,
  ],
  (ctx, from, to) => {
    const h = MapGpaPagesInput.decode(ctx.input);
    const found = partitionIn(ctx, h.targetPartitionId, ['initialized']);
    if (!found.ok) return { status: found.status, done: 0 };
    const p = found.value;
    const flags = h.mapFlags;
    if ((flags & ~KNOWN_MAP_FLAGS) !== 0) return { status: S.INVALID_PARAMETER, done: 0 };
    const large = (flags & HV_MAP_GPA.LARGE_PAGE) !== 0;
    if (large && !p.hasFlag(HV_PARTITION_CREATION_FLAG.GPA_SUPER_PAGES_ENABLED))
      return { status: S.INVALID_PARAMETER, done: 0 };
    const stride = large ? PAGES_PER_LARGE_PAGE : 1;
    if (!gfnRangeFits(h.targetGpaBase, ctx.control.repCount * stride))
      return { status: S.INVALID_PARAMETER, done: 0 };
    const base = Number(h.targetGpaBase);
    if (large && base % PAGES_PER_LARGE_PAGE !== 0) return { status: S.INVALID_ALIGNMENT, done: 0 };
    const stored = flags & ~HV_MAP_GPA.LARGE_PAGE;
    const noAccess = (flags & HV_MAP_GPA.NO_ACCESS) !== 0;

    let i = from;
    const runs: Run[] = [];
    const words = ctx.inputPage?.u32 ?? null;
    while (i < to) {
      const gfn = base + i * stride;
      const chunkEnd = large
        ? i + 1
        : Math.min(to, i + (PAGES_PER_LARGE_PAGE - (gfn % PAGES_PER_LARGE_PAGE)));
      runs.length = 0;
      let okEnd = chunkEnd;
      let error: number = S.SUCCESS;
      if (noAccess) runs.push({ gfn, pfn: -1, pages: (chunkEnd - i) * stride, backing: 'none' });
      else {
        let j = i;
        while (j < chunkEnd) {
          const pfn = listU64(ctx, LIST_OFFSET, j);
          const k = runEnd(words, j, chunkEnd, pfn, stride);
          const backing = checkHost(ctx, p, pfn, (k - j) * stride, stored, large);
          if (typeof backing === 'string') {
            runs.push({ gfn: base + j * stride, pfn, pages: (k - j) * stride, backing });
            j = k;
            continue;
          }
          // Refused as a whole, the run may still be valid rep by rep (an MMIO page next to a RAM
          // page): each rep is mapped as it would be alone, up to the first one refused.
          const taken = repByRep(ctx, p, runs, { gfn: base + j * stride, pfn, reps: k - j, stored, large });
          if (taken.status !== S.SUCCESS) {
            error = taken.status;
            okEnd = j + taken.reps;
            break;
          }
          j = k;
        }
      }
      if (okEnd > i) {
        const cost = p.gpa.mapCost(gfn, large);
        if (cost > 0 && !p.pool.consume(cost)) return { status: S.INSUFFICIENT_MEMORY, done: i - from };
        if (cost < 0) p.pool.release(-cost);
        p.gpa.slatPages += cost;
        for (const r of runs)
          p.gpa.map(r.gfn, r.pages, { pfn: r.pfn, flags: stored, large, backing: r.backing });
        // A no-access map never resolves a stopped access (`noteRemapped`).
        if (!noAccess) noteRemapped(p, gfn, (okEnd - i) * stride);
      }
      if (error !== S.SUCCESS) return { status: error, done: okEnd - from };
      i = chunkEnd;
    }
    return { status: S.SUCCESS, done: to - from };
  },
);

/**
 * The end of the run of list entries from `j` (whose PFN is `pfn`) that go on `stride` pages at a
 * time, before `end`: the entries' two 32-bit halves read straight from the page (the hot loop of
 * every map; one entry at a time through `listU64` it was most of the handler's own time).
 */
function runEnd(words: Uint32Array | null, j: number, end: number, pfn: number, stride: number): number {
  if (words === null) return j + 1;
  let k = j + 1;
  let next = pfn + stride;
  let w = (LIST_OFFSET >>> 2) + 2 * k;
  while (k < end && (words[w] ?? 0) + (words[w + 1] ?? 0) * 0x1_0000_0000 === next) {
    k++;
    next += stride;
    w += 2;
  }
  return k;
}

/** A run of reps with consecutive PFNs, as `repByRep` takes it. */
interface RepRun {
  readonly gfn: number;
  readonly pfn: number;
  readonly reps: number;
  readonly stored: number;
  readonly large: boolean;
}

/**
 * Check the reps of run `r` one by one, each as it would be checked alone, appending what they map to
 * `runs` (merging neighbours with the same backing); stop at the first rep refused. Answers the reps
 * taken and SUCCESS, or the status of the rep that stopped it.
 */
function repByRep(
  ctx: CallContext,
  p: Partition,
  runs: Run[],
  r: RepRun,
): { readonly reps: number; readonly status: number } {
  const stride = r.large ? PAGES_PER_LARGE_PAGE : 1;
  for (let n = 0; n < r.reps; n++) {
    const gfn = r.gfn + n * stride;
    const pfn = r.pfn + n * stride;
    const backing = checkHost(ctx, p, pfn, stride, r.stored, r.large);
    if (typeof backing === 'number') return { reps: n, status: backing };
    const last = runs[runs.length - 1];
    if (last?.backing === backing && last.gfn + last.pages === gfn && last.pfn + last.pages === pfn)
      last.pages += stride;
    else runs.push({ gfn, pfn, pages: stride, backing });
  }
  return { reps: r.reps, status: S.SUCCESS };
}

/** What [pfn, pfn + pages) may be mapped as for partition `p`, or the status refusing it. */
function checkHost(
  ctx: CallContext,
  p: Partition,
  pfn: number,
  pages: number,
  flags: number,
  large: boolean,
): GpaValue['backing'] | number {
  if (pfn + pages > PFN_LIMIT) return S.INVALID_PARAMETER;
  if (large && pfn % PAGES_PER_LARGE_PAGE !== 0) return S.INVALID_ALIGNMENT;
  const ram = ctx.m.ram;
  if (
    ram.all(
      pfn,
      pages,
      (o) => (o.kind === 'kernel' || o.kind === 'user') && (o.exclusive < 0 || o.exclusive === p.key),
    )
  )
    // A state or stats page the hypervisor shares with the root is not the root's to map (README).
    return ram.anySharedWithRoot(pfn, pages) ? S.ACCESS_DENIED : 'ram';
  if (ram.rangeHasRam(pfn, pages)) return S.ACCESS_DENIED;
  if (large) return S.INVALID_PARAMETER;
  if ((flags & HV_MAP_GPA.NOT_CACHED) === 0) return S.ACCESS_DENIED;
  return 'mmio';
}
