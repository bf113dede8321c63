/**
 * Status matrix: memory calls (inventory §b.3, §c.4; issue 3: ACCESS_DENIED for a host page the
 * caller does not own, INVALID_ALIGNMENT for large pages, NO_RESOURCES on withdraw).
 */
import { expect } from 'vitest';
import {
  HV_MAP_GPA,
  HV_MODIFY_SPA_PAGE_HOST_ACCESS,
  HV_UNMAP_GPA_LARGE_PAGE,
} from '../../../src/hv/flags/HvMapGpaFlag.js';
import type { HypercallDef } from '../../../src/hv/Hypercall.js';
import {
  AcquireSparseSpaPageHostAccess,
  DepositMemory,
  GetGpaPagesAccessStates,
  MapGpaPages,
  ReleaseSparseSpaPageHostAccess,
  UnmapGpaPages,
  WithdrawMemory,
} from '../../../src/hv/hypercalls/index.js';
import { type Answer, type Caller, USER_2M, USER_4K, expand } from '../harness.js';
import type { CaseTable } from './MatrixCase.js';

const RW = HV_MAP_GPA.READABLE | HV_MAP_GPA.WRITABLE;
/** `|` with bit 31 gives a negative int32; the u32 field wants it unsigned. */
const RW_LARGE = (RW | HV_MAP_GPA.LARGE_PAGE) >>> 0;
const SNP = 2n;

function pinned(c: Caller, addr: bigint, pages: number): number[] {
  const r = c.machine.host.pinUserRange(addr, pages);
  if (r.kind !== 'ram') throw new Error('pin failed');
  return expand(r.runs);
}

function list(
  pfns: readonly number[],
): (page: import('../../../src/ports/HvPage.js').HvPage, at: number) => void {
  return (page, at) => {
    pfns.forEach((p, i) => {
      page.setU64Number(at + i * 8, p);
    });
  };
}

function map(c: Caller, id: bigint, gfn: number, pfns: readonly number[], mapFlags = RW): Answer {
  return c.call(
    MapGpaPages,
    { targetPartitionId: id, targetGpaBase: BigInt(gfn), mapFlags },
    { repCount: pfns.length, list: list(pfns) },
  );
}

function unmap(c: Caller, id: bigint, gfn: number, reps: number, unmapFlags = 0): Answer {
  return c.call(
    UnmapGpaPages,
    { targetPartitionId: id, targetGpaBase: BigInt(gfn), unmapFlags },
    { repCount: reps },
  );
}

function modify(
  c: Caller,
  def: HypercallDef,
  id: bigint,
  pfns: readonly number[],
  hostAccess: number,
  flags: number,
): Answer {
  return c.call(def, { hostAccess, flags, partitionId: id }, { repCount: pfns.length, list: list(pfns) });
}

const firstOf = (c: Caller, kind: string): number => {
  const e = [...c.machine.hostExtents()].find((x) => x.kind === kind);
  if (e === undefined) throw new Error(`no ${kind} host page`);
  return e.start;
};

const EXCLUSIVE = HV_MODIFY_SPA_PAGE_HOST_ACCESS.MAKE_EXCLUSIVE;
const SHARED = HV_MODIFY_SPA_PAGE_HOST_ACCESS.MAKE_SHARED;

/** RELEASE (make exclusive) and ACQUIRE (give back) share their checks; `acquire` picks the direction. */
function hostAccessCases(def: HypercallDef, acquire: boolean): Record<string, (c: Caller) => Answer> {
  const hostAccess = acquire ? 3 : 0;
  const action = acquire ? SHARED : EXCLUSIVE;
  /** An SNP partition and pinned pages, already exclusive when the call gives them back. */
  const setup = (c: Caller, pages = 2): { id: bigint; pfns: number[] } => {
    const id = c.readyPartition(undefined, SNP);
    const pfns = pinned(c, USER_4K, pages);
    if (acquire) expect(modify(c, ReleaseSparseSpaPageHostAccess, id, pfns, 0, EXCLUSIVE).status).toBe(0);
    return { id, pfns };
  };
  return {
    SUCCESS: (c) => {
      const { id, pfns } = setup(c);
      const a = modify(c, def, id, pfns, hostAccess, action);
      expect(c.machine.audit().exclusivePages).toBe(acquire ? 0 : 2);
      return a;
    },
    OPERATION_DENIED: (c) => modify(c, def, c.readyPartition(), pinned(c, USER_4K, 1), hostAccess, action),
    // The other direction's action flag.
    INVALID_PARAMETER: (c) => {
      const { id, pfns } = setup(c);
      return modify(c, def, id, pfns, hostAccess, acquire ? EXCLUSIVE : SHARED);
    },
    INVALID_ALIGNMENT: (c) => {
      const { id, pfns } = setup(c);
      return modify(
        c,
        def,
        id,
        [(pfns[0] ?? 0) | 1],
        hostAccess,
        action | HV_MODIFY_SPA_PAGE_HOST_ACCESS.LARGE_PAGE,
      );
    },
    // A kernel page is not the VMM's user memory: not the caller's to give or take.
    ACCESS_DENIED: (c) => {
      const { id } = setup(c);
      const kernel = c.machine.host.allocPages(1)?.[0]?.pfn ?? -1;
      return modify(c, def, id, [kernel], hostAccess, action);
    },
  };
}

export const memoryCases: CaseTable = {
  DEPOSIT_MEMORY: {
    SUCCESS: (c) => {
      const id = c.readyPartition();
      const before = c.machine.audit().pools.find((p) => p.partitionId === id)?.freePages ?? -1;
      const a = c.deposit(id, 3);
      expect(c.machine.audit().pools.find((p) => p.partitionId === id)?.freePages).toBe(before + 3);
      return a;
    },
    // A page already deposited is no longer the root's kernel page.
    ACCESS_DENIED: (c) => {
      const id = c.readyPartition();
      const pool = firstOf(c, 'pool');
      return c.call(DepositMemory, { partitionId: id }, { repCount: 1, list: list([pool]) });
    },
    // A page number beyond the 52-bit physical address space.
    INVALID_PARAMETER: (c) =>
      c.call(DepositMemory, { partitionId: c.readyPartition() }, { repCount: 1, list: list([2 ** 40]) }),
  },
  WITHDRAW_MEMORY: {
    SUCCESS: (c) => {
      const id = c.readyPartition();
      c.deposit(id, 2);
      const a = c.call(WithdrawMemory, { partitionId: id, proximityDomainInfo: 0n }, { repCount: 1 });
      expect(a.reps).toBe(1);
      c.machine.host.freePages([{ pfn: a.output.getU64Number(0), count: 1 }]);
      return a;
    },
    // Nothing left to give back: the driver's loop ends on it (inventory §b.3).
    NO_RESOURCES: (c) => {
      const id = c.readyPartition();
      c.withdrawAll(id);
      return c.call(WithdrawMemory, { partitionId: id, proximityDomainInfo: 0n }, { repCount: 4 });
    },
  },
  MAP_GPA_PAGES: {
    SUCCESS: (c) => {
      const id = c.readyPartition();
      c.deposit(id, 8);
      const a = map(c, id, 0, pinned(c, USER_4K, 4));
      expect(c.machine.audit().mappedPages).toBe(4);
      return a;
    },
    INVALID_PARAMETER: (c) => {
      const id = c.readyPartition();
      return map(c, id, 0, pinned(c, USER_4K, 1), RW | 0x100);
    },
    INVALID_ALIGNMENT: (c) => {
      const id = c.readyPartition();
      c.deposit(id, 8);
      // A 2 MiB mapping at a GPA that is not 2 MiB aligned.
      return map(c, id, 1, [pinned(c, USER_2M, 512)[0] ?? 0], RW_LARGE);
    },
    // A free host page is not the caller's (adapters/simulated/README.md, model choices).
    ACCESS_DENIED: (c) => {
      const id = c.readyPartition();
      c.deposit(id, 8);
      return map(c, id, 0, [firstOf(c, 'free')]);
    },
    INSUFFICIENT_MEMORY: (c) => {
      const id = c.readyPartition();
      c.withdrawAll(id);
      return map(c, id, 0, pinned(c, USER_4K, 1));
    },
  },
  UNMAP_GPA_PAGES: {
    SUCCESS: (c) => {
      const id = c.readyPartition();
      c.deposit(id, 8);
      map(c, id, 0, pinned(c, USER_4K, 4));
      const a = unmap(c, id, 0, 4);
      expect(c.machine.audit().mappedPages).toBe(0);
      return a;
    },
    INVALID_PARAMETER: (c) => unmap(c, c.readyPartition(), 0, 1, 0x1),
    INVALID_ALIGNMENT: (c) => unmap(c, c.readyPartition(), 1, 1, HV_UNMAP_GPA_LARGE_PAGE),
    // Unmapping 4 KiB out of a 2 MiB mapping splits it: one more table page than the pool has.
    INSUFFICIENT_MEMORY: (c) => {
      const id = c.readyPartition();
      c.deposit(id, 8);
      expect(map(c, id, 0, [pinned(c, USER_2M, 512)[0] ?? 0], RW_LARGE).status).toBe(0);
      c.withdrawAll(id);
      return unmap(c, id, 0, 1);
    },
  },
  GET_GPA_PAGES_ACCESS_STATES: {
    SUCCESS: (c) => {
      const id = c.readyPartition();
      c.deposit(id, 8);
      map(c, id, 0, pinned(c, USER_4K, 2));
      c.machine.guestTouch(id, 1, 1, true);
      const a = c.call(
        GetGpaPagesAccessStates,
        { partitionId: id, flags: 0n, hvGpaPageNumber: 0n },
        { repCount: 3 },
      );
      expect([...a.output.bytes.subarray(0, 3)]).toEqual([0, 3, 0]);
      return a;
    },
    // Clear and set the accessed bit in one call.
    INVALID_PARAMETER: (c) =>
      c.call(
        GetGpaPagesAccessStates,
        { partitionId: c.readyPartition(), flags: 0x3n, hvGpaPageNumber: 0n },
        { repCount: 1 },
      ),
  },
  RELEASE_SPARSE_SPA_PAGE_HOST_ACCESS: hostAccessCases(ReleaseSparseSpaPageHostAccess, false),
  ACQUIRE_SPARSE_SPA_PAGE_HOST_ACCESS: hostAccessCases(AcquireSparseSpaPageHostAccess, true),
};
