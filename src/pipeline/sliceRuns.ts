import type { PfnRun } from './PfnRuns.js';

/**
 * The runs covering pages `[skip, skip + count)` of `runs` (fewer pages when the runs end first).
 *
 * @example
 * sliceRuns([{ pfn: 0x100, count: 4 }, { pfn: 0x200, count: 4 }], 2, 4); // [{ pfn: 0x102, count: 2 }, { pfn: 0x200, count: 2 }]
 */
export function sliceRuns(runs: readonly PfnRun[], skip: number, count: number): PfnRun[] {
  const out: PfnRun[] = [];
  let at = 0;
  const end = skip + count;
  for (const r of runs) {
    const lo = Math.max(at, skip);
    const hi = Math.min(at + r.count, end);
    if (hi > lo) out.push({ pfn: r.pfn + (lo - at), count: hi - lo });
    at += r.count;
    if (at >= end) break;
  }
  return out;
}
