import { HV_MAP_GPA } from '../../hv/flags/HvMapGpaFlag.js';
import { PAGES_PER_LARGE_PAGE } from '../../hv/Page.js';
import { PfnRunList } from '../PfnRuns.js';
import { sliceRuns } from '../sliceRuns.js';
import type { DriverEnv } from './DriverEnv.js';
import { mapGpaPages } from './gpaMapping.js';
import type { FaultedChunk, KernelPartition, KernelRegion } from './KernelPartition.js';
import { planChunks } from './planChunks.js';

/** The op name of the hypercalls an MMU notifier invalidation issues (no ioctl is in progress). */
export const MMU_INVALIDATE = 'mmu_notifier_invalidate';

/**
 * mshv_region_interval_invalidate (NEW, inventory §c.4 "Host-side invalidation"): the MMU notifier of
 * a movable region, called before the mm migrates, swaps out or unmaps `[pageOffset, pageOffset +
 * pages)` of it (page offsets relative to the region's start, already clipped to it). The present
 * pages of the range are remapped HV_MAP_GPA_NO_ACCESS with their own PFNs (mshv_region_remap_pages:
 * absent pages are skipped, each present piece in the stride `planChunks` picks for it), then
 * forgotten (mshv_region_invalidate_pages), so the guest's next access faults the chunk in again,
 * from the pages the mm moved it to. A remap that fails returns false before any page is forgotten,
 * as the kernel's WARN_ONCE path does; the mm goes on regardless (HMM holds no reference), so the
 * hypervisor may keep mapping pages the host frees: what the checker's conservation audit finds.
 *
 * @example
 * invalidateMovableRange(env, pt, region, 512, 16); // true: 16 pages remapped no-access and forgotten
 */
export function invalidateMovableRange(
  env: DriverEnv,
  pt: KernelPartition,
  region: KernelRegion,
  pageOffset: number,
  pages: number,
): boolean {
  const faulted = region.faulted;
  if (faulted === undefined) return true;
  const end = pageOffset + pages;
  const hit = [...faulted.values()]
    .filter((f) => f.pageOffset < end && f.pageOffset + f.pages > pageOffset)
    .sort((a, b) => a.pageOffset - b.pageOffset);
  const hugeBacked = env.host.findVma(region.userAddr)?.kind === 'ram-2m';
  for (const f of hit) {
    const lo = Math.max(pageOffset, f.pageOffset);
    const piece = pieceOf(region, f, lo, Math.min(end, f.pageOffset + f.pages), hugeBacked);
    for (const c of piece.chunks) {
      const r = mapGpaPages(
        env,
        pt.id,
        region.guestPfn + lo + c.pageOffset,
        c.pages,
        HV_MAP_GPA.NO_ACCESS,
        c.large,
        new PfnRunList(piece.runs, c.large ? PAGES_PER_LARGE_PAGE : 1, c.pageOffset),
        MMU_INVALIDATE,
      );
      if (r === 'EINVAL' || !r.ok) return false;
    }
  }
  for (const f of hit) {
    faulted.delete(f.pageOffset);
    const fEnd = f.pageOffset + f.pages;
    if (f.pageOffset < pageOffset) keep(faulted, pieceOf(region, f, f.pageOffset, pageOffset, hugeBacked));
    if (fEnd > end) keep(faulted, pieceOf(region, f, end, fEnd, hugeBacked));
  }
  return true;
}

/**
 * Pages `[from, to)` (region offsets) of faulted chunk `f` as a chunk of their own: their runs, and the
 * strides the kernel picks for them (`planChunks` on that range: a piece of a 2 MiB page that is not
 * 512 pages long goes in 4 KiB stride, as mshv_region_process_chunk decides).
 */
function pieceOf(
  region: KernelRegion,
  f: FaultedChunk,
  from: number,
  to: number,
  hugeBacked: boolean,
): FaultedChunk {
  const runs = sliceRuns(f.runs, from - f.pageOffset, to - from);
  return {
    pageOffset: from,
    pages: to - from,
    runs,
    chunks: planChunks(region.guestPfn + from, runs, hugeBacked),
  };
}

function keep(faulted: Map<number, FaultedChunk>, piece: FaultedChunk): void {
  faulted.set(piece.pageOffset, piece);
}
