import { describe, expect, it } from 'vitest';
import {
  HV_MAP_GPA,
  HV_MODIFY_SPA_PAGE_HOST_ACCESS,
  HV_UNMAP_GPA_LARGE_PAGE,
} from '../../src/hv/flags/HvMapGpaFlag.js';
import { HV_PARTITION_PROPERTY } from '../../src/hv/flags/HvPartitionProperty.js';
import type { HypercallDef } from '../../src/hv/Hypercall.js';
import { HvStatus as S } from '../../src/hv/HvStatus.js';
import {
  AcquireSparseSpaPageHostAccess,
  DepositMemory,
  FinalizePartition,
  GetGpaPagesAccessStates,
  MapGpaPages,
  ReleaseSparseSpaPageHostAccess,
  SetPartitionProperty,
  UnmapGpaPages,
  WithdrawMemory,
} from '../../src/hv/hypercalls/index.js';
import { HostCrash } from '../../adapters/simulated/host/HostCrash.js';
import { ALL_CREATION_FLAGS, Caller, USER_2M, USER_4K, expand, smallMachine } from './harness.js';

const RW = HV_MAP_GPA.READABLE | HV_MAP_GPA.WRITABLE;
/** `|` with bit 31 gives a negative int32 in JavaScript; the u32 field wants it unsigned. */
const RW_LARGE = (RW | HV_MAP_GPA.LARGE_PAGE) >>> 0;

function pinned(c: Caller, addr: bigint, pages: number): { pfn: number; count: number }[] {
  const r = c.machine.host.pinUserRange(addr, pages);
  if (r.kind !== 'ram') throw new Error('pin failed');
  return [...r.runs];
}

function mapList(
  c: Caller,
  id: bigint,
  gfn: number,
  pfns: readonly number[],
  mapFlags = RW,
): ReturnType<Caller['call']> {
  return c.call(
    MapGpaPages,
    { targetPartitionId: id, targetGpaBase: BigInt(gfn), mapFlags },
    {
      repCount: pfns.length,
      list: (p, at) => {
        pfns.forEach((x, i) => {
          p.setU64Number(at + i * 8, x);
        });
      },
    },
  );
}

describe('DEPOSIT_MEMORY / WITHDRAW_MEMORY (inventory §b.3)', () => {
  it('moves kernel pages into the pool and back; WITHDRAW answers NO_RESOURCES when the pool is dry', () => {
    const m = smallMachine();
    const c = new Caller(m);
    const id = c.createPartition();
    const before = m.ownership().kernel;
    expect(c.deposit(id, 600).status).toBe(S.SUCCESS);
    expect(m.partition(id)?.pool.freePages).toBe(600);
    expect(m.ownership().pool).toBeGreaterThanOrEqual(600);
    let a = c.call(WithdrawMemory, { partitionId: id, proximityDomainInfo: 0n }, { repCount: 512 });
    expect(a).toMatchObject({ status: S.SUCCESS, reps: 512 });
    const first = a.output.getU64Number(0);
    expect(m.hostExtents().next().value).toBeDefined();
    expect([...m.hostExtents()].find((e) => first >= e.start && first < e.end)?.kind).toBe('kernel');
    m.host.freePages(
      expand(Array.from({ length: 512 }, (_, i) => ({ pfn: a.output.getU64Number(i * 8), count: 1 }))).map(
        (pfn) => ({ pfn, count: 1 }),
      ),
    );
    a = c.call(WithdrawMemory, { partitionId: id, proximityDomainInfo: 0n }, { repCount: 512 });
    expect(a).toMatchObject({ status: S.NO_RESOURCES, reps: 88 });
    expect(m.ownership().kernel).toBe(before + 88);
  });

  it('refuses (ACCESS_DENIED, at that rep) a page the root does not own as a kernel page', () => {
    const m = smallMachine();
    const c = new Caller(m);
    const id = c.createPartition();
    const kernel = m.host.allocPages(2)!;
    const user = pinned(c, USER_4K, 1)[0]!.pfn;
    const a = c.call(
      DepositMemory,
      { partitionId: id },
      {
        repCount: 3,
        list: (p, at) => {
          p.setU64Number(at, kernel[0]!.pfn);
          p.setU64Number(at + 8, user);
          p.setU64Number(at + 16, kernel[0]!.pfn + 1);
        },
      },
    );
    expect(a).toMatchObject({ status: S.ACCESS_DENIED, reps: 1 });
    // The page already deposited cannot be deposited twice.
    const again = c.call(
      DepositMemory,
      { partitionId: id },
      {
        repCount: 1,
        list: (p, at) => {
          p.setU64Number(at, kernel[0]!.pfn);
        },
      },
    );
    expect(again.status).toBe(S.ACCESS_DENIED);
    expect(m.audit().violations).toEqual([]);
  });

  it('refuses deposits into a finalized partition (INVALID_PARTITION_STATE)', () => {
    const c = new Caller(smallMachine());
    const id = c.readyPartition();
    c.fast(FinalizePartition, { partitionId: id });
    expect(c.deposit(id, 1).status).toBe(S.INVALID_PARTITION_STATE);
  });
});

describe('MAP_GPA_PAGES (inventory §b.4, §c.4)', () => {
  it('maps pinned runs as extents: one extent per physically contiguous run', () => {
    const m = smallMachine();
    const c = new Caller(m);
    const id = c.readyPartition();
    const runs = pinned(c, USER_4K, 4096);
    expect(c.mapRuns(id, 0x100, runs).status).toBe(S.SUCCESS);
    const extents = [...m.gpaExtents(id)];
    expect(extents).toHaveLength(runs.length);
    expect(extents[0]).toMatchObject({
      start: 0x100,
      value: { pfn: runs[0]!.pfn, backing: 'ram', large: false },
    });
    expect(m.audit().violations).toEqual([]);
    expect(m.audit().mappedPages).toBe(4096);
  });

  it('runs the pool dry: INSUFFICIENT_MEMORY at the first rep of a 2 MiB region it cannot cover', () => {
    const m = smallMachine();
    const c = new Caller(m);
    const id = c.readyPartition();
    const free = m.partition(id)!.pool.freePages;
    c.withdrawAll(id);
    expect(m.partition(id)!.pool.freePages).toBe(0);
    const pfns = expand(pinned(c, USER_4K, 509));
    const a = mapList(c, id, 0, pfns);
    expect(a).toMatchObject({ status: S.INSUFFICIENT_MEMORY, reps: 0 });
    expect(free).toBeGreaterThanOrEqual(0);
    c.deposit(id, 3); // one table page each for the 2 MiB, 1 GiB and 512 GiB regions
    expect(mapList(c, id, 0, pfns)).toMatchObject({ status: S.SUCCESS, reps: 509 });
    expect(m.partition(id)?.slatPages).toBe(3);
  });

  it('refuses unknown flags, and LARGE_PAGE without GPA_SUPER_PAGES (INVALID_PARAMETER)', () => {
    const m = smallMachine();
    const c = new Caller(m);
    const id = c.readyPartition();
    const pfn = pinned(c, USER_4K, 1)[0]!.pfn;
    expect(mapList(c, id, 0, [pfn], RW | 0x100).status).toBe(S.INVALID_PARAMETER);
    const plain = c.readyPartition(ALL_CREATION_FLAGS & ~(1n << 4n));
    const head = pinned(c, USER_2M, 512)[0]!.pfn;
    expect(mapList(c, plain, 0, [head], RW_LARGE).status).toBe(S.INVALID_PARAMETER);
  });

  it('maps 2 MiB pages from 512-aligned head PFNs; misaligned GPA or PFN is INVALID_ALIGNMENT', () => {
    const m = smallMachine();
    const c = new Caller(m);
    const id = c.readyPartition();
    const runs = pinned(c, USER_2M, 2048);
    for (const r of runs) expect(r.pfn % 512).toBe(0);
    const heads = expand(runs).filter((_, i) => i % 512 === 0);
    expect(mapList(c, id, 512, heads.slice(0, 1), RW_LARGE).status).toBe(S.SUCCESS);
    expect(mapList(c, id, 513, heads.slice(1, 2), RW_LARGE).status).toBe(S.INVALID_ALIGNMENT);
    expect(mapList(c, id, 1024, [heads[1]! + 1], RW_LARGE).status).toBe(S.INVALID_ALIGNMENT);
    const slat = m.partition(id)!.slatPages;
    expect(slat).toBe(2); // no 4 KiB table: the 1 GiB and 512 GiB levels only
    expect(m.audit().violations).toEqual([]);
  });

  it('refuses a page the caller does not own (ACCESS_DENIED): free, deposited, or exclusive elsewhere', () => {
    const m = smallMachine();
    const c = new Caller(m);
    const id = c.readyPartition();
    const free = [...m.hostExtents()].find((e) => e.kind === 'free')!.start;
    const pool = [...m.hostExtents()].find((e) => e.kind === 'pool')!.start;
    expect(mapList(c, id, 0, [free]).status).toBe(S.ACCESS_DENIED);
    expect(mapList(c, id, 0, [pool]).status).toBe(S.ACCESS_DENIED);
  });

  it('maps MMIO (non-RAM) only uncached, and never as large pages', () => {
    const m = smallMachine();
    const c = new Caller(m);
    const id = c.readyPartition();
    const spa = 0xfe000;
    expect(m.host.rangeHasRam(spa, 16)).toBe(false);
    expect(mapList(c, id, 0x80000, [spa, spa + 1], RW).status).toBe(S.ACCESS_DENIED);
    expect(mapList(c, id, 0x80000, [spa, spa + 1], RW | HV_MAP_GPA.NOT_CACHED).status).toBe(S.SUCCESS);
    expect([...m.gpaExtents(id)][0]?.value.backing).toBe('mmio');
    expect(m.audit().mappedPages).toBe(0);
  });

  it('is refused before INITIALIZE_PARTITION and after FINALIZE_PARTITION (INVALID_PARTITION_STATE)', () => {
    const m = smallMachine();
    const c = new Caller(m);
    const created = c.createPartition();
    const pfn = pinned(c, USER_4K, 1)[0]!.pfn;
    expect(mapList(c, created, 0, [pfn]).status).toBe(S.INVALID_PARTITION_STATE);
    const id = c.readyPartition();
    expect(mapList(c, id, 0, [pfn]).status).toBe(S.SUCCESS);
    c.fast(FinalizePartition, { partitionId: id });
    expect(mapList(c, id, 1, [pfn]).status).toBe(S.INVALID_PARTITION_STATE);
    // FINALIZE released the mapping: the host page is no longer referenced.
    expect(m.audit().mappedPages).toBe(0);
    expect(
      c.call(UnmapGpaPages, { targetPartitionId: id, targetGpaBase: 0n, unmapFlags: 0 }, { repCount: 1 })
        .status,
    ).toBe(S.INVALID_PARTITION_STATE);
  });

  it('ignores the PFNs of a NO_ACCESS mapping (movable regions map zeros first)', () => {
    const m = smallMachine();
    const c = new Caller(m);
    const id = c.readyPartition();
    expect(mapList(c, id, 0, [0, 0, 0, 0], HV_MAP_GPA.NO_ACCESS).status).toBe(S.SUCCESS);
    expect([...m.gpaExtents(id)]).toEqual([
      { start: 0, end: 4, value: { pfn: -1, flags: HV_MAP_GPA.NO_ACCESS, large: false, backing: 'none' } },
    ]);
  });
});

describe('UNMAP_GPA_PAGES', () => {
  it('unmaps 512 reps at a time, returning page tables to the pool; unmapped pages are skipped', () => {
    const m = smallMachine();
    const c = new Caller(m);
    const id = c.readyPartition();
    c.mapRuns(id, 0, pinned(c, USER_4K, 2048));
    const used = m.partition(id)!.pool.usedPages;
    expect(c.unmap(id, 0, 2048 + 512).status).toBe(S.SUCCESS);
    const p = m.partition(id)!;
    expect(p.mappedPages).toBe(0);
    expect(p.slatPages).toBe(0);
    expect(p.pool.usedPages).toBe(used - (4 + 1 + 1));
    expect(p.unmapMissPages).toBe(512);
    expect(m.audit().violations).toEqual([]);
  });

  it('unmaps 2 MiB units with HV_UNMAP_GPA_LARGE_PAGE (base 512-aligned or INVALID_ALIGNMENT)', () => {
    const m = smallMachine();
    const c = new Caller(m);
    const id = c.readyPartition();
    const heads = expand(pinned(c, USER_2M, 1024)).filter((_, i) => i % 512 === 0);
    mapList(c, id, 0, heads, RW_LARGE);
    const un = (base: bigint, n: number): number =>
      c.call(
        UnmapGpaPages,
        { targetPartitionId: id, targetGpaBase: base, unmapFlags: HV_UNMAP_GPA_LARGE_PAGE },
        { repCount: n },
      ).status;
    expect(un(1n, 1)).toBe(S.INVALID_ALIGNMENT);
    expect(un(0n, 2)).toBe(S.SUCCESS);
    expect(m.partition(id)?.mappedPages).toBe(0);
    expect(un(0n, 1)).toBe(S.SUCCESS);
  });

  it('splits a 2 MiB mapping unmapped in 4 KiB pieces, which needs a table page from the pool', () => {
    const m = smallMachine();
    const c = new Caller(m);
    const id = c.readyPartition();
    const head = pinned(c, USER_2M, 512)[0]!.pfn;
    mapList(c, id, 0, [head], RW_LARGE);
    c.withdrawAll(id);
    const piece = (): number =>
      c.call(UnmapGpaPages, { targetPartitionId: id, targetGpaBase: 0n, unmapFlags: 0 }, { repCount: 1 })
        .status;
    expect(piece()).toBe(S.INSUFFICIENT_MEMORY);
    c.deposit(id, 1);
    expect(piece()).toBe(S.SUCCESS);
    expect([...m.gpaExtents(id)]).toMatchObject([{ start: 1, end: 512, value: { large: false } }]);
    expect(m.audit().violations).toEqual([]);
  });

  it('demotes the rest of a 2 MiB mapping to 4 KiB pages when a 4 KiB map replaces part of it', () => {
    const m = smallMachine();
    const c = new Caller(m);
    const id = c.readyPartition();
    const head = pinned(c, USER_2M, 512)[0]!.pfn;
    mapList(c, id, 0, [head], RW_LARGE);
    const before = m.partition(id)!.slatPages;
    const other = pinned(c, USER_4K, 1)[0]!.pfn;
    expect(mapList(c, id, 5, [other]).status).toBe(S.SUCCESS);
    expect([...m.gpaExtents(id)].map((e) => [e.start, e.end, e.value.large])).toEqual([
      [0, 5, false],
      [5, 6, false],
      [6, 512, false],
    ]);
    expect(m.partition(id)!.slatPages).toBe(before + 1);
    expect(m.audit().violations).toEqual([]);
  });

  it('refuses unknown unmap flags (INVALID_PARAMETER)', () => {
    const c = new Caller(smallMachine());
    const id = c.readyPartition();
    expect(
      c.call(UnmapGpaPages, { targetPartitionId: id, targetGpaBase: 0n, unmapFlags: 1 }, { repCount: 1 })
        .status,
    ).toBe(S.INVALID_PARAMETER);
  });
});

describe('GET_GPA_PAGES_ACCESS_STATES (lifecycle rule 7)', () => {
  const states = (
    c: Caller,
    id: bigint,
    gfn: number,
    n: number,
    flags = 0n,
  ): { status: number; bytes: number[] } => {
    const a = c.call(
      GetGpaPagesAccessStates,
      { partitionId: id, flags, hvGpaPageNumber: BigInt(gfn) },
      { repCount: n },
    );
    return { status: a.status, bytes: [...a.output.bytes.subarray(0, n)] };
  };

  it('reports every page dirty after tracking is enabled, clears on request, and marks guest writes', () => {
    const m = smallMachine();
    const c = new Caller(m);
    const id = c.readyPartition();
    c.mapRuns(id, 0, pinned(c, USER_4K, 8));
    expect(states(c, id, 0, 9).bytes).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0]);
    c.call(SetPartitionProperty, {
      partitionId: id,
      propertyCode: HV_PARTITION_PROPERTY.GPA_PAGE_ACCESS_TRACKING,
      propertyValue: 1n,
    });
    // clear_accessed | clear_dirty: the states are reported before clearing.
    expect(states(c, id, 0, 9, 0x5n).bytes).toEqual([3, 3, 3, 3, 3, 3, 3, 3, 0]);
    expect(states(c, id, 0, 9).bytes).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0]);
    m.guestTouch(id, 2, 2, true);
    m.guestTouch(id, 5, 1, false);
    expect(states(c, id, 0, 9).bytes).toEqual([0, 0, 3, 3, 0, 1, 0, 0, 0]);
    // set_dirty | set_access marks mapped pages only.
    states(c, id, 6, 3, 0xan);
    expect(states(c, id, 0, 9).bytes).toEqual([0, 0, 3, 3, 0, 1, 3, 3, 0]);
  });

  it('marks only the accesses a mapping allows: no dirty bit on a read-only page (inventory §c.4 map flags)', () => {
    // A guest write to a page mapped READABLE only faults (an intercept, as the run path answers);
    // guestTouch set the dirty bit anyway, so a dirty-page scan reported pages no write ever reached.
    const m = smallMachine();
    const c = new Caller(m);
    const id = c.readyPartition();
    c.mapRuns(id, 0, pinned(c, USER_4K, 2), 0x1); // READABLE
    c.mapRuns(id, 2, pinned(c, USER_4K + 0x2000n, 1), 0x3); // READABLE | WRITABLE
    m.guestTouch(id, 0, 3, true);
    expect(states(c, id, 0, 3).bytes).toEqual([0, 0, 3]);
    m.guestTouch(id, 0, 2, false);
    expect(states(c, id, 0, 3).bytes).toEqual([1, 1, 3]);
  });

  it('refuses clear and set of the same bit, and reserved flag bits (INVALID_PARAMETER)', () => {
    const c = new Caller(smallMachine());
    const id = c.readyPartition();
    expect(states(c, id, 0, 1, 0x3n).status).toBe(S.INVALID_PARAMETER);
    expect(states(c, id, 0, 1, 0xcn).status).toBe(S.INVALID_PARAMETER);
    expect(states(c, id, 0, 1, 0x10n).status).toBe(S.INVALID_PARAMETER);
  });
});

describe('SPA host access: RELEASE / ACQUIRE (SNP, inventory §c.4)', () => {
  const snp = 2n;
  const modify = (
    c: Caller,
    def: HypercallDef,
    id: bigint,
    pfns: number[],
    hostAccess: number,
    flags: number,
  ): number =>
    c.call(
      def,
      { hostAccess, flags, partitionId: id },
      {
        repCount: pfns.length,
        list: (p, at) => {
          pfns.forEach((x, i) => {
            p.setU64Number(at + i * 8, x);
          });
        },
      },
    ).status;

  it('makes pinned pages exclusive to the guest and back; unpinning an exclusive page crashes the host', () => {
    const m = smallMachine();
    const c = new Caller(m);
    const id = c.readyPartition(ALL_CREATION_FLAGS, snp);
    const runs = pinned(c, USER_4K, 4);
    const pfns = expand(runs);
    expect(
      modify(c, ReleaseSparseSpaPageHostAccess, id, pfns, 0, HV_MODIFY_SPA_PAGE_HOST_ACCESS.MAKE_EXCLUSIVE),
    ).toBe(S.SUCCESS);
    expect(m.audit().exclusivePages).toBe(4);
    expect(mapList(c, id, 0, pfns).status).toBe(S.SUCCESS);
    expect(() => m.host.physPage(pfns[0]!)).toThrow(HostCrash);
    expect(() => {
      m.host.unpinUserRange(runs);
    }).toThrow(/exclusive/);
    // Taking them away twice is refused; giving them back works once.
    expect(
      modify(c, ReleaseSparseSpaPageHostAccess, id, pfns, 0, HV_MODIFY_SPA_PAGE_HOST_ACCESS.MAKE_EXCLUSIVE),
    ).toBe(S.ACCESS_DENIED);
    expect(
      modify(c, AcquireSparseSpaPageHostAccess, id, pfns, 3, HV_MODIFY_SPA_PAGE_HOST_ACCESS.MAKE_SHARED),
    ).toBe(S.SUCCESS);
    expect(
      modify(c, AcquireSparseSpaPageHostAccess, id, pfns, 3, HV_MODIFY_SPA_PAGE_HOST_ACCESS.MAKE_SHARED),
    ).toBe(S.ACCESS_DENIED);
    c.unmap(id, 0, 4);
    m.host.unpinUserRange(runs);
    expect(m.audit().violations).toEqual([]);
  });

  it('is OPERATION_DENIED on a non-SNP partition and INVALID_PARAMETER with the wrong action flags', () => {
    const m = smallMachine();
    const c = new Caller(m);
    const plain = c.readyPartition();
    const pfns = expand(pinned(c, USER_4K, 1));
    expect(
      modify(
        c,
        ReleaseSparseSpaPageHostAccess,
        plain,
        pfns,
        0,
        HV_MODIFY_SPA_PAGE_HOST_ACCESS.MAKE_EXCLUSIVE,
      ),
    ).toBe(S.OPERATION_DENIED);
    const id = c.readyPartition(ALL_CREATION_FLAGS, snp);
    expect(
      modify(c, ReleaseSparseSpaPageHostAccess, id, pfns, 0, HV_MODIFY_SPA_PAGE_HOST_ACCESS.MAKE_SHARED),
    ).toBe(S.INVALID_PARAMETER);
    expect(
      modify(c, AcquireSparseSpaPageHostAccess, id, pfns, 0, HV_MODIFY_SPA_PAGE_HOST_ACCESS.MAKE_SHARED),
    ).toBe(S.INVALID_PARAMETER);
    expect(
      modify(
        c,
        ReleaseSparseSpaPageHostAccess,
        id,
        [pfns[0]! + 1],
        0,
        HV_MODIFY_SPA_PAGE_HOST_ACCESS.MAKE_EXCLUSIVE | HV_MODIFY_SPA_PAGE_HOST_ACCESS.LARGE_PAGE,
      ),
    ).toBe(S.INVALID_ALIGNMENT);
  });
});

describe('scale: a 1 GiB guest of 4 KiB pages maps and unmaps with bounded extents (design principle 6)', () => {
  it('keeps the GPA map to one extent per pinned run and returns to zero', () => {
    const m = smallMachine({
      hostMemory: [{ kind: 'ram', userAddr: USER_4K, size: 1n << 30n, pageSize: 4096 }],
      fragmentation: { runPagesMean: 512 },
    });
    const c = new Caller(m);
    const id = c.readyPartition();
    const runs = pinned(c, USER_4K, 262_144);
    expect(c.mapRuns(id, 0, runs).status).toBe(S.SUCCESS);
    const p = m.partition(id)!;
    expect(p.gpaExtents).toBeLessThanOrEqual(runs.length);
    expect(runs.length).toBeLessThan(262_144 / 64);
    expect(m.hostExtentCount).toBeLessThan(4 * runs.length);
    expect(p.slatPages).toBe(512 + 1 + 1);
    expect(m.audit().violations).toEqual([]);
    expect(c.unmap(id, 0, 262_144).status).toBe(S.SUCCESS);
    expect(m.partition(id)?.gpaExtents).toBe(0);
    m.host.unpinUserRange(runs);
    expect(m.audit().violations).toEqual([]);
  });
});
