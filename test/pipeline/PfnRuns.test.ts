import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HvPage } from '../../src/ports/HvPage.js';
import { ConsecutivePfns, PfnRunList } from '../../src/pipeline/PfnRuns.js';

// Review point 4 (inventory §e, §c.4): in 2 MiB mode the list carries every 512th PFN, the head page;
// a region's sub-range starts at `firstPage`; batches reuse one cursor, in order or not.
describe('PfnRunList with firstPage, stride and a reused cursor (review point 4, inventory §c.4)', () => {
  it('matches a materialised page array for sequential and random batches from any firstPage', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            pfn: fc.integer({ min: 0, max: 2 ** 40 - 5000 }),
            count: fc.integer({ min: 1, max: 1500 }),
          }),
          { minLength: 1, maxLength: 6 },
        ),
        fc.constantFrom(1, 512),
        fc.nat(),
        fc.array(fc.nat(), { minLength: 1, maxLength: 10 }),
        (runs, stride, seed, accesses) => {
          const flat = runs.flatMap((r) => Array.from({ length: r.count }, (_, i) => r.pfn + i));
          const firstPage = seed % flat.length;
          const elements = Math.floor((flat.length - firstPage - 1) / stride) + 1;
          const list = new PfnRunList(runs, stride, firstPage);
          for (const a of accesses) {
            const from = a % elements;
            const count = Math.min(elements - from, 1 + (a % 509));
            const page = new HvPage();
            list.write(page, 24, from, count);
            for (let i = 0; i < count; i++)
              expect(page.getU64Number(24 + i * 8)).toBe(flat[firstPage + (from + i) * stride]);
            expect(list.at(from)).toBe(flat[firstPage + from * stride]);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('writes batch after batch in order, as runBatches does, from a firstPage inside a later run', () => {
    const runs = [
      { pfn: 0x1000, count: 700 },
      { pfn: 0x9000, count: 700 },
    ];
    const list = new PfnRunList(runs, 1, 650);
    const page = new HvPage();
    list.write(page, 24, 0, 509);
    expect([page.getU64Number(24), page.getU64Number(24 + 49 * 8), page.getU64Number(24 + 50 * 8)]).toEqual([
      0x1000 + 650,
      0x1000 + 699,
      0x9000,
    ]);
    list.write(page, 24, 509, 241);
    expect([page.getU64Number(24), page.getU64Number(24 + 240 * 8)]).toEqual([0x9000 + 459, 0x9000 + 699]);
    expect(() => {
      list.write(page, 24, 750, 1);
    }).toThrow('PFN list: element 750 is past the end');
  });

  it('writes PFNs at 2^40 and beyond exactly', () => {
    const page = new HvPage();
    new PfnRunList([{ pfn: 2 ** 40 - 1, count: 3 }]).write(page, 24, 0, 3);
    expect([0, 1, 2].map((i) => page.view.getBigUint64(24 + 8 * i, true))).toEqual([
      2n ** 40n - 1n,
      2n ** 40n,
      2n ** 40n + 1n,
    ]);
    new ConsecutivePfns(2 ** 52 - 2).write(page, 24, 0, 2);
    expect(page.view.getBigUint64(32, true)).toBe(2n ** 52n - 1n);
  });
});
