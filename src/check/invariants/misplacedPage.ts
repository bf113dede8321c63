import type { GpaMap } from '../../../adapters/simulated/model/GpaMap.js';
import type { KernelRegion } from '../../pipeline/driver/KernelPartition.js';

/**
 * The first guest page of `region` that the hypervisor maps to another host page than the region
 * pins (RAM: its pinned runs in order; movable RAM: each faulted chunk's runs from its offset; MMIO:
 * consecutive SPA pages from `mmioPfn`), described, or
 * undefined when every mapped page is where it belongs. Unmapped and unbacked pages are not judged
 * (a failed map's unwind, or a no-access mapping). Linear in the extents and runs the region spans:
 * both slide one PFN per page, so only their boundaries are compared.
 *
 * @example
 * misplacedPage(region, hvPartition.gpa); // 'gfn 0x200 maps host page 0x1c000, the region pins 0x1c200 there'
 */
export function misplacedPage(region: KernelRegion, gpa: GpaMap): string | undefined {
  const first = region.guestPfn;
  const end = first + region.pages;
  // Region offset → host PFN, piecewise linear: [offset, pfn, count] per pinned run (or one for MMIO).
  const pieces: [number, number, number][] = [];
  if (region.kind === 'mmio') pieces.push([0, region.mmioPfn, region.pages]);
  else if (region.kind === 'movable') {
    // Only the faulted chunks are backed; the rest is mapped no-access (not judged below).
    for (const chunk of region.faulted?.values() ?? []) {
      let at = chunk.pageOffset;
      for (const r of chunk.runs) {
        pieces.push([at, r.pfn, r.count]);
        at += r.count;
      }
    }
  } else {
    let at = 0;
    for (const r of region.runs) {
      pieces.push([at, r.pfn, r.count]);
      at += r.count;
    }
  }
  let found: string | undefined;
  gpa.extents.forEachOverlap(first, end, (e) => {
    if (e.value.backing === 'none' || e.value.pfn < 0) return undefined;
    const lo = Math.max(e.start, first);
    const hi = Math.min(e.end, end);
    for (const [offset, pfn, count] of pieces) {
      const a = Math.max(lo, first + offset);
      const b = Math.min(hi, first + offset + count);
      if (a >= b) continue;
      const mapped = e.value.pfn + (a - e.start);
      const pinned = pfn + (a - first - offset);
      if (mapped !== pinned) {
        found = `gfn 0x${a.toString(16)} maps host page 0x${mapped.toString(16)}, the region pins 0x${pinned.toString(16)} there`;
        return true;
      }
    }
    return undefined;
  });
  return found;
}
