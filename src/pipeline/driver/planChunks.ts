import { PAGES_PER_LARGE_PAGE } from '../../hv/Page.js';
import type { PfnRun } from '../PfnRuns.js';

/** A stretch of a region mapped with one stride: 2 MiB (large) or 4 KiB. */
export interface Chunk {
  /** First 4 KiB page of the chunk, relative to the region start. */
  readonly pageOffset: number;
  /** Length in 4 KiB pages (a multiple of 512 when large). */
  readonly pages: number;
  readonly large: boolean;
}

const L = PAGES_PER_LARGE_PAGE;

/**
 * Split a pinned region into map chunks the way MID/NEW mshv_regions.c does (inventory §c.4, "Large
 * pages"): a 2 MiB chunk only where the backing is huge-page memory, the page's PFN is 2 MiB aligned,
 * and both the chunk's GFN and the remaining page count are 512-aligned; everything else maps with a
 * 4 KiB stride. Adjacent chunks of one stride merge, so a region costs a handful of chunks however
 * large it is. (ORIG decided once per region from the first page, regardless of GFN alignment.)
 *
 * @example
 * planChunks(0x100000, [{ pfn: 0x40000, count: 1024 }], true); // [{ pageOffset: 0, pages: 1024, large: true }]
 */
export function planChunks(gfn: number, runs: readonly PfnRun[], hugeBacked: boolean): Chunk[] {
  const total = runs.reduce((n, r) => n + r.count, 0);
  const out: Chunk[] = [];
  const push = (pageOffset: number, pages: number, large: boolean): void => {
    if (pages === 0) return;
    const prev = out.at(-1);
    if (prev?.large === large && prev.pageOffset + prev.pages === pageOffset) {
      out[out.length - 1] = { pageOffset: prev.pageOffset, pages: prev.pages + pages, large };
    } else {
      out.push({ pageOffset, pages, large });
    }
  };
  // The GFN and the remaining count are both 512-aligned at page i only if the region ends 2M-aligned.
  if (!hugeBacked || (gfn + total) % L !== 0) {
    push(0, total, false);
    return out;
  }
  let i = 0;
  for (const run of runs) {
    const end = i + run.count;
    // First page at or after i whose GFN is 2M-aligned.
    const first = i + ((L - ((gfn + i) % L)) % L);
    // PFN alignment moves with the GFN inside a run, so check it once at `first`.
    const pfnAligned = (run.pfn + (first - i)) % L === 0;
    const largePages = pfnAligned && first < end ? Math.floor((end - first) / L) * L : 0;
    if (largePages === 0) {
      push(i, run.count, false);
    } else {
      push(i, first - i, false);
      push(first, largePages, true);
      push(first + largePages, end - first - largePages, false);
    }
    i = end;
  }
  return out;
}
