import type { PfnRun } from '../ports/HostPort.js';
import type { HvPage } from '../ports/HvPage.js';
import type { ListWriter } from './CallPlan.js';

/** A run of consecutive host PFNs: the one definition lives with the HostPort. */
export type { PfnRun };

/**
 * A lazy PFN list over runs, as the kernel's page array would be, without materialising it: element
 * `i` is the PFN of 4 KiB page `i * stride`. With stride 512 it yields the head PFN of each 2 MiB
 * page, which is all MAP_GPA_PAGES takes in large-page mode (seed review point 4). Sequential batch
 * access is O(1) amortised through a cursor; random access seeks.
 *
 * @example
 * const list = new PfnRunList([{ pfn: 0x1000, count: 1024 }], 512);
 * list.at(1); // 0x1200
 */
export class PfnRunList implements ListWriter {
  readonly pages: number;
  readonly #starts: number[];
  #cursorRun = 0;

  constructor(
    readonly runs: readonly PfnRun[],
    readonly stride = 1,
    /** First 4 KiB page of the runs this list starts at (a sub-range of a region). */
    readonly firstPage = 0,
  ) {
    let total = 0;
    this.#starts = runs.map((r) => {
      const s = total;
      total += r.count;
      return s;
    });
    this.pages = total;
  }

  /** PFN of list element `i`. */
  at(i: number): number {
    const page = this.firstPage + i * this.stride;
    const r = this.#seek(page);
    const run = this.runs[r];
    const start = this.#starts[r];
    if (run === undefined || start === undefined)
      throw new RangeError(`PFN list: element ${i} is past the end`);
    return run.pfn + (page - start);
  }

  write(page: HvPage, byteOffset: number, from: number, count: number): void {
    const u32 = page.u32;
    let word = byteOffset >>> 2;
    let p = this.firstPage + from * this.stride;
    let r = this.#seek(p);
    let left = count;
    const stride = this.stride;
    while (left > 0) {
      const run = this.runs[r];
      const start = this.#starts[r];
      if (run === undefined || start === undefined)
        throw new RangeError(`PFN list: element ${from + count - left} is past the end`);
      const end = start + run.count;
      if (p >= end) {
        r += 1;
        continue;
      }
      // Elements that fall inside this run: p, p + stride, … < end.
      const n = Math.min(left, Math.ceil((end - p) / stride));
      let pfn = run.pfn + (p - start);
      for (let i = 0; i < n; i++) {
        u32[word] = pfn >>> 0;
        u32[word + 1] = Math.floor(pfn / 0x1_0000_0000);
        word += 2;
        pfn += stride;
      }
      p += n * stride;
      left -= n;
    }
    this.#cursorRun = r;
  }

  /** Index of the run holding 4 KiB page `page`; starts from the cursor when moving forward. */
  #seek(page: number): number {
    let r = this.#cursorRun;
    const startAt = this.#starts[r];
    if (startAt === undefined || page < startAt) r = this.#search(page);
    for (;;) {
      const run = this.runs[r];
      const start = this.#starts[r];
      if (run === undefined || start === undefined) return r;
      if (page < start + run.count) {
        this.#cursorRun = r;
        return r;
      }
      r += 1;
    }
  }

  /** Binary search: the last run whose start is <= page. */
  #search(page: number): number {
    let lo = 0;
    let hi = this.#starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if ((this.#starts[mid] ?? Infinity) <= page) lo = mid;
      else hi = mid - 1;
    }
    return Math.max(0, lo);
  }
}

/**
 * Consecutive PFNs from `first` (MMIO: consecutive SPAs).
 *
 * @example
 * new ConsecutivePfns(0x1000).write(page, 24, 2, 3); // PFNs 0x1002, 0x1003, 0x1004 at bytes 24, 32, 40
 */
export class ConsecutivePfns implements ListWriter {
  constructor(readonly first: number) {}

  write(page: HvPage, byteOffset: number, from: number, count: number): void {
    for (let i = 0; i < count; i++) page.setU64Number(byteOffset + i * 8, this.first + from + i);
  }
}

/** All-zero PFNs (HV_MAP_GPA_NO_ACCESS mappings of movable regions). */
export const ZeroPfns: ListWriter = {
  write(page, byteOffset, _from, count) {
    page.bytes.fill(0, byteOffset, byteOffset + count * 8);
  },
};
