import { HV_MAP_GPA } from '../../../src/hv/flags/HvMapGpaFlag.js';
import { HV_PARTITION_CREATION_FLAG } from '../../../src/hv/flags/HvPartitionCreationFlag.js';
import { MapGpaPages, MapGpaPagesInput } from '../../../src/hv/hypercalls/MapGpaPages.js';
import { PAGES_PER_LARGE_PAGE } from '../../../src/hv/Page.js';
import { GFN_LIMIT, type GpaValue } from '../model/GpaMap.js';
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
  readonly pages: number;
  readonly backing: GpaValue['backing'];
}

/**
 * MAP_GPA_PAGES (rep, ≤ 509 PFNs): rep i maps guest page target_gpa_base + i (LARGE_PAGE: the 2 MiB
 * page at base + 512 i, whose list entry is the head PFN) to list entry i, replacing any mapping there.
 *
 * Checks, in order: the partition is initialized; map flags are known, LARGE_PAGE needs the
 * GPA_SUPER_PAGES creation flag (INVALID_PARAMETER); the range fits a 52-bit GPA space; large pages
 * need a 512-aligned base and head PFN (INVALID_ALIGNMENT); then per rep, the host page: RAM the root
 * owns (kernel or user memory, not exclusive to another partition), or non-RAM (MMIO) mapped
 * NOT_CACHED, never large; anything else is ACCESS_DENIED. NO_ACCESS mappings ignore their PFNs. Page
 * tables come from the pool per 2 MiB region (INSUFFICIENT_MEMORY at the first rep of a region the
 * pool cannot cover; the driver deposits 256 pages and resumes there).
 *
 * Hot path: PFNs are read with getU64Number and coalesced into runs; a run costs a few extent
 * operations however long it is.
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
    if (h.targetGpaBase >= BigInt(GFN_LIMIT)) return { status: S.INVALID_PARAMETER, done: 0 };
    const base = Number(h.targetGpaBase);
    if (base + to * stride > GFN_LIMIT) return { status: S.INVALID_PARAMETER, done: 0 };
    if (large && base % PAGES_PER_LARGE_PAGE !== 0) return { status: S.INVALID_ALIGNMENT, done: 0 };
    const stored = flags & ~HV_MAP_GPA.LARGE_PAGE;
    const noAccess = (flags & HV_MAP_GPA.NO_ACCESS) !== 0;

    let i = from;
    const runs: Run[] = [];
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
          let k = j + 1;
          while (k < chunkEnd && listU64(ctx, LIST_OFFSET, k) === pfn + (k - j) * stride) k++;
          const backing = checkHost(ctx, p, pfn, (k - j) * stride, stored, large);
          if (typeof backing === 'number') {
            // Find the first bad rep of the run; the good reps before it are mapped.
            let good = j;
            for (; good < k; good++) {
              const one = checkHost(ctx, p, pfn + (good - j) * stride, stride, stored, large);
              if (typeof one === 'number') {
                error = one;
                break;
              }
            }
            const prefix = good > j ? checkHost(ctx, p, pfn, (good - j) * stride, stored, large) : S.SUCCESS;
            if (typeof prefix === 'string')
              runs.push({ gfn: base + j * stride, pfn, pages: (good - j) * stride, backing: prefix });
            okEnd = good;
            break;
          }
          runs.push({ gfn: base + j * stride, pfn, pages: (k - j) * stride, backing });
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
      }
      if (error !== S.SUCCESS) return { status: error, done: okEnd - from };
      i = chunkEnd;
    }
    return { status: S.SUCCESS, done: to - from };
  },
);

/** What [pfn, pfn + pages) may be mapped as for partition `p`, or the status refusing it. */
function checkHost(
  ctx: CallContext,
  p: Partition,
  pfn: number,
  pages: number,
  flags: number,
  large: boolean,
): GpaValue['backing'] | number {
  if (pfn + pages > GFN_LIMIT) return S.INVALID_PARAMETER;
  if (large && pfn % PAGES_PER_LARGE_PAGE !== 0) return S.INVALID_ALIGNMENT;
  const ram = ctx.m.ram;
  if (
    ram.all(
      pfn,
      pages,
      (o) => (o.kind === 'kernel' || o.kind === 'user') && (o.exclusive < 0 || o.exclusive === p.key),
    )
  )
    return 'ram';
  if (ram.rangeHasRam(pfn, pages)) return S.ACCESS_DENIED;
  if (large) return S.INVALID_PARAMETER;
  if ((flags & HV_MAP_GPA.NOT_CACHED) === 0) return S.ACCESS_DENIED;
  return 'mmio';
}
