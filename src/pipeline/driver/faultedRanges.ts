import type { KernelRegion } from './KernelPartition.js';
import type { Chunk } from './planChunks.js';

/**
 * The present pages of a movable region, in GFN order, as the unmap at its destruction walks them:
 * one UNMAP_GPA_PAGES range per faulted sub-chunk (never the no-access rest, which the kernel leaves
 * to the partition's deletion).
 *
 * @example
 * faultedRanges(region); // [{ pageOffset: 512, pages: 512, large: true }, …]
 */
export function faultedRanges(region: KernelRegion): Chunk[] {
  const out: Chunk[] = [];
  const chunks = [...(region.faulted?.values() ?? [])].sort((a, b) => a.pageOffset - b.pageOffset);
  for (const f of chunks)
    for (const c of f.chunks)
      out.push({ pageOffset: f.pageOffset + c.pageOffset, pages: c.pages, large: c.large });
  return out;
}
