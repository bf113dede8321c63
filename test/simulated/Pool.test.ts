import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HostRam } from '../../adapters/simulated/host/HostRam.js';
import { Pool } from '../../adapters/simulated/model/Pool.js';

type PoolOp =
  | { readonly op: 'deposit'; readonly count: number }
  | { readonly op: 'consume'; readonly count: number }
  | { readonly op: 'release'; readonly count: number }
  | { readonly op: 'take' }
  | { readonly op: 'return'; readonly which: number }
  | { readonly op: 'withdraw'; readonly max: number };

const opArb: fc.Arbitrary<PoolOp> = fc.oneof(
  fc.record({ op: fc.constant('deposit' as const), count: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ op: fc.constant('consume' as const), count: fc.integer({ min: 1, max: 6 }) }),
  fc.record({ op: fc.constant('release' as const), count: fc.integer({ min: 1, max: 6 }) }),
  fc.record({ op: fc.constant('take' as const) }),
  fc.record({ op: fc.constant('return' as const), which: fc.nat(7) }),
  fc.record({ op: fc.constant('withdraw' as const), max: fc.integer({ min: 1, max: 6 }) }),
);

/** The pool's stacks expanded to pages, bottom first, in the order each run hands its pages out. */
function pages(p: Pool): { free: number[]; used: number[] } {
  const s = p.save();
  const free = s.free.flatMap((r) => Array.from({ length: r.count }, (_, i) => r.pfn + i));
  const used = s.used.flatMap((r) => Array.from({ length: r.count }, (_, i) => r.pfn + r.count - 1 - i));
  return { free, used };
}

describe('Pool: the hypervisor memory pool as exact page stacks', () => {
  it('behaves page for page like a pair of LIFO stacks, whatever the run merging', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 60 }), (ops) => {
        const pool = new Pool(1, new HostRam([{ pfn: 0x100, count: 0x400 }]));
        const free: number[] = [];
        const used: number[] = [];
        const taken: number[] = [];
        let next = 0x100;
        for (const o of ops) {
          switch (o.op) {
            case 'deposit':
              pool.deposit(next, o.count);
              for (let i = 0; i < o.count; i++) free.push(next + i);
              // Leave a hole now and then so runs do not always touch.
              next += o.count + (o.count % 2);
              break;
            case 'consume': {
              const ok = pool.consume(o.count);
              expect(ok).toBe(o.count <= free.length);
              if (ok) for (let i = 0; i < o.count; i++) used.push(free.pop() ?? -1);
              break;
            }
            case 'release': {
              const n = Math.min(o.count, used.length);
              if (n > 0) pool.release(n);
              for (let i = 0; i < n; i++) free.push(used.pop() ?? -1);
              break;
            }
            case 'take': {
              const pfn = pool.takePage();
              expect(pfn).toBe(free.pop());
              if (pfn !== undefined) taken.push(pfn);
              break;
            }
            case 'return': {
              if (taken.length === 0) break;
              const [pfn] = taken.splice(o.which % taken.length, 1);
              if (pfn === undefined) break;
              pool.returnPage(pfn);
              free.push(pfn);
              break;
            }
            case 'withdraw': {
              const out: number[] = [];
              const got = pool.withdraw(o.max, (pfn) => out.push(pfn));
              const expected: number[] = [];
              while (expected.length < o.max && free.length > 0) expected.push(free.pop() ?? -1);
              expect(out).toEqual(expected);
              expect(got).toBe(expected.length);
              break;
            }
          }
          expect(pages(pool)).toEqual({ free, used });
          expect(pool.freePages).toBe(free.length);
          expect(pool.usedPages).toBe(used.length + taken.length);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('leaves both stacks as they were after consuming k pages and releasing them (rep time slicing, inventory §b.1)', () => {
    const pool = new Pool(1, new HostRam([{ pfn: 0x100, count: 0x100 }]));
    pool.deposit(0x100, 16);
    pool.consume(3);
    const before = pool.save();
    pool.consume(1);
    pool.release(3);
    pool.consume(2);
    expect(pool.save()).toEqual(before);
  });

  it('keeps runs of consecutive single-page consumes as one run (a 1 TiB map does not cost a run per table page)', () => {
    const pool = new Pool(1, new HostRam([{ pfn: 0x100, count: 0x10000 }]));
    pool.deposit(0x100, 0x8000);
    for (let i = 0; i < 0x4000; i++) pool.consume(1);
    for (let i = 0; i < 0x1000; i++) pool.release(1);
    const s = pool.save();
    expect(s.used).toHaveLength(1);
    expect(s.free).toHaveLength(1);
  });
});
