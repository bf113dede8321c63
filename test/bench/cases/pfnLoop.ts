/**
 * Baseline for the 1 TiB map bench (issue 4): a plain loop that only builds and reads the same PFN
 * lists the stack passes to MAP_GPA_PAGES (509 u64 entries per 4 KiB input page, 2^28 pages in all)
 * and walks the same number of 512-rep unmap batches. No hypervisor, no pipeline: the floor the full
 * stack is measured against in the same run.
 */
import { performance } from 'node:perf_hooks';

export const TIB_PAGES = 2 ** 28;
const BATCH = 509;
const UNMAP_BATCH = 512;

/** Fragmented PFN runs like pinned 4 KiB user memory: deterministic lengths 1..4096. */
export function fragmentedRuns(pages: number, seed = 1): { pfn: number; count: number }[] {
  const runs: { pfn: number; count: number }[] = [];
  let x = seed >>> 0;
  let pfn = 0x100000;
  let left = pages;
  while (left > 0) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    const count = Math.min(left, 1 + (x % 4096));
    runs.push({ pfn, count });
    pfn += count + 1 + (x % 7);
    left -= count;
  }
  return runs;
}

export function run(): Promise<Record<string, number>> {
  const runs = fragmentedRuns(TIB_PAGES);
  const page = new Uint32Array(1024);
  const t0 = performance.now();
  let checksum = 0;
  let batches = 0;
  let r = 0;
  let inRun = 0;
  for (let done = 0; done < TIB_PAGES; done += BATCH) {
    const count = Math.min(BATCH, TIB_PAGES - done);
    let w = 6; // after the 24-byte header
    let left = count;
    while (left > 0) {
      let run = runs[r]!;
      if (inRun === run.count) {
        r += 1;
        inRun = 0;
        run = runs[r]!;
      }
      const n = Math.min(left, run.count - inRun);
      let pfn = run.pfn + inRun;
      const hi = Math.floor(pfn / 0x1_0000_0000);
      for (let i = 0; i < n; i++) {
        page[w] = pfn >>> 0;
        page[w + 1] = hi;
        w += 2;
        pfn += 1;
      }
      inRun += n;
      left -= n;
    }
    // Read the list back as the hypervisor would.
    for (let i = 0; i < count; i++) checksum = (checksum + (page[6 + 2 * i]! ^ page[7 + 2 * i]!)) | 0;
    batches += 1;
  }
  for (let done = 0; done < TIB_PAGES; done += UNMAP_BATCH) batches += 1;
  const wallMs = performance.now() - t0;
  return Promise.resolve({ pages: TIB_PAGES, batches, wallMs: Math.round(wallMs), checksum });
}
