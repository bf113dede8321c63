import { HV_UNMAP_GPA_LARGE_PAGE } from '../../../src/hv/flags/HvMapGpaFlag.js';
import { UnmapGpaPages, UnmapGpaPagesInput } from '../../../src/hv/hypercalls/UnmapGpaPages.js';
import { PAGES_PER_LARGE_PAGE } from '../../../src/hv/Page.js';
import { gfnRangeFits } from '../model/GpaMap.js';
import { noteRemapped } from '../model/Guest.js';
import { S, partitionIn, repHandler } from './Handler.js';

/**
 * UNMAP_GPA_PAGES (rep; the driver sends ≤ 512): rep i unmaps guest page target_gpa_base + i
 * (HV_UNMAP_GPA_LARGE_PAGE: the 2 MiB page at base + 512 i, base 512-aligned or INVALID_ALIGNMENT).
 * The whole call's range (rep count from the control word) must fit the 2^40-page GPA space, checked
 * at every resume (INVALID_PARAMETER, no rep done). Pages that are not mapped are skipped (counted in
 * `unmapMissPages`). A 4 KiB unmap inside a 2 MiB mapping splits it, which needs a page-table page
 * (INSUFFICIENT_MEMORY when the pool has none); regions left empty give their table pages back to the
 * pool. After FINALIZE_PARTITION the mappings
 * are gone and the call is INVALID_PARTITION_STATE (the NEW driver's post-finalize unmap ignores it).
 */
export const UnmapGpaPagesHandler = repHandler(
  UnmapGpaPages,
  [
    S.INVALID_PARTITION_ID,
    S.INVALID_PARTITION_STATE,
    S.INVALID_PARAMETER,
    S.INVALID_ALIGNMENT,
    S.INSUFFICIENT_MEMORY,
  ],
  (ctx, from, to) => {
    const h = UnmapGpaPagesInput.decode(ctx.input);
    const found = partitionIn(ctx, h.targetPartitionId, ['initialized']);
    if (!found.ok) return { status: found.status, done: 0 };
    const p = found.value;
    if ((h.unmapFlags & ~HV_UNMAP_GPA_LARGE_PAGE) !== 0) return { status: S.INVALID_PARAMETER, done: 0 };
    const large = (h.unmapFlags & HV_UNMAP_GPA_LARGE_PAGE) !== 0;
    const stride = large ? PAGES_PER_LARGE_PAGE : 1;
    // The whole call's range, not this slice's: the answer may not depend on the time slice.
    if (!gfnRangeFits(h.targetGpaBase, ctx.control.repCount * stride))
      return { status: S.INVALID_PARAMETER, done: 0 };
    const base = Number(h.targetGpaBase);
    if (large && base % PAGES_PER_LARGE_PAGE !== 0) return { status: S.INVALID_ALIGNMENT, done: 0 };
    let i = from;
    while (i < to) {
      const a = base + i * stride;
      const chunkEnd = large ? i + 1 : Math.min(to, i + (PAGES_PER_LARGE_PAGE - (a % PAGES_PER_LARGE_PAGE)));
      const b = base + chunkEnd * stride;
      const { delta, peak } = p.gpa.unmapCost(a, b);
      if (peak > p.pool.freePages) return { status: S.INSUFFICIENT_MEMORY, done: i - from };
      p.gpa.unmap(a, b - a);
      noteRemapped(p, a, b - a);
      if (delta > 0) p.pool.consume(delta);
      else if (delta < 0) p.pool.release(-delta);
      p.gpa.slatPages += delta;
      i = chunkEnd;
    }
    return { status: S.SUCCESS, done: to - from };
  },
);
