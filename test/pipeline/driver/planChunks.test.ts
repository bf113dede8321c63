import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Chunk, planChunks } from '../../../src/pipeline/driver/planChunks.js';
import type { PfnRun } from '../../../src/pipeline/PfnRuns.js';

/**
 * The §c.4 rule page by page: at page i a 2 MiB chunk starts when the backing is huge, the GFN and
 * the remaining count are 512-aligned, the PFN is 2 MiB aligned and the run holds 512 more pages;
 * anything else is one 4 KiB page. Adjacent chunks of one stride merge.
 */
function pageByPage(gfn: number, runs: readonly PfnRun[], huge: boolean): Chunk[] {
  const pfn: number[] = [];
  const left: number[] = [];
  for (const r of runs)
    for (let k = 0; k < r.count; k++) {
      pfn.push(r.pfn + k);
      left.push(r.count - k);
    }
  const total = pfn.length;
  const out: { pageOffset: number; pages: number; large: boolean }[] = [];
  const push = (pageOffset: number, pages: number, large: boolean): void => {
    const prev = out.at(-1);
    if (prev?.large === large && prev.pageOffset + prev.pages === pageOffset) prev.pages += pages;
    else out.push({ pageOffset, pages, large });
  };
  for (let i = 0; i < total;) {
    const large =
      huge && (gfn + i) % 512 === 0 && (total - i) % 512 === 0 && pfn[i]! % 512 === 0 && left[i]! >= 512;
    push(i, large ? 512 : 1, large);
    i += large ? 512 : 1;
  }
  return out;
}

// Inventory §c.4, "Large (2 MiB) pages", MID/NEW: a chunk uses the 2 MiB stride only where the backing
// is huge-page memory, the PFN is 2 MiB aligned, and the chunk GFN and the remaining count are
// 512-aligned; otherwise 4 KiB. Absent pages end a chunk (runs end at holes).
describe('planChunks (inventory §c.4, large pages)', () => {
  it('matches the page-by-page rule for any runs, GFN and backing', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2048 }),
        fc.array(
          fc.record({
            pfn: fc.integer({ min: 0, max: 4096 }).map((x) => x * 64),
            count: fc.integer({ min: 1, max: 1600 }),
          }),
          { minLength: 1, maxLength: 5 },
        ),
        fc.boolean(),
        (gfn, runs, huge) => {
          expect(planChunks(gfn, runs, huge)).toEqual(pageByPage(gfn, runs, huge));
        },
      ),
      { numRuns: 1000 },
    );
  });

  it.each([
    [
      'aligned huge backing: one large chunk',
      0x100000,
      [{ pfn: 0x40000, count: 1024 }],
      true,
      [[0, 1024, true]],
    ],
    [
      'not huge-backed: 4 KiB throughout',
      0x100000,
      [{ pfn: 0x40000, count: 1024 }],
      false,
      [[0, 1024, false]],
    ],
    [
      'GFN off by one page: the region does not end 2 MiB aligned',
      1,
      [{ pfn: 0x40000, count: 1024 }],
      true,
      [[0, 1024, false]],
    ],
    [
      'GFN 511 pages before a boundary: a 4 KiB head, then large',
      1,
      [{ pfn: 0x40000 - 511, count: 1023 }],
      true,
      [
        [0, 511, false],
        [511, 512, true],
      ],
    ],
    [
      'PFN not 2 MiB aligned in the second run',
      0,
      [
        { pfn: 0x40000, count: 512 },
        { pfn: 0x50001, count: 512 },
      ],
      true,
      [
        [0, 512, true],
        [512, 512, false],
      ],
    ],
  ] as [string, number, PfnRun[], boolean, [number, number, boolean][]][])(
    '%s',
    (_what, gfn, runs, huge, expected) => {
      const chunks = planChunks(gfn, runs, huge);
      expect(chunks.map((c) => [c.pageOffset, c.pages, c.large])).toEqual(expected);
      expect(chunks).toEqual(pageByPage(gfn, runs, huge));
    },
  );
});
