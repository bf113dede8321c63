/**
 * SNP host access across teardown. The kernel sets partition_id only when making pages exclusive, so
 * ACQUIRE (make shared) carries 0 (seed-review-thread.txt:532), and it re-shares after
 * FINALIZE_PARTITION (inventory §c.12 step 5; mshv-facts.json teardown_order): the page's current
 * owner decides. Pages exclusive to a deleted partition never pass to a partition created later.
 */
import { describe, expect, it } from 'vitest';
import { HV_MODIFY_SPA_PAGE_HOST_ACCESS } from '../../src/hv/flags/HvMapGpaFlag.js';
import type { HypercallDef } from '../../src/hv/Hypercall.js';
import { HvStatus as S } from '../../src/hv/HvStatus.js';
import {
  AcquireSparseSpaPageHostAccess,
  DeletePartition,
  FinalizePartition,
  ReleaseSparseSpaPageHostAccess,
} from '../../src/hv/hypercalls/index.js';
import { canonicalJson } from '../../src/log/canonicalJson.js';
import type { PfnRun } from '../../src/ports/HostPort.js';
import { SimulatedMachine } from '../../adapters/simulated/SimulatedMachine.js';
import {
  ALL_CREATION_FLAGS,
  type Answer,
  Caller,
  USER_4K,
  expand,
  pfnList,
  smallMachine,
} from './harness.js';

const SNP = 2n;
const { MAKE_EXCLUSIVE, MAKE_SHARED } = HV_MODIFY_SPA_PAGE_HOST_ACCESS;
/** host_access R | W, what the kernel gives back. */
const RW = 3;

const modify = (
  c: Caller,
  def: HypercallDef,
  partitionId: bigint,
  pfns: readonly number[],
  hostAccess: number,
  flags: number,
): Answer => c.call(def, { hostAccess, flags, partitionId }, { repCount: pfns.length, list: pfnList(pfns) });

/** RELEASE as the kernel issues it: make exclusive, host_access 0, the partition's id set. */
const release = (c: Caller, id: bigint, pfns: readonly number[]): Answer =>
  modify(c, ReleaseSparseSpaPageHostAccess, id, pfns, 0, MAKE_EXCLUSIVE);

/** ACQUIRE as the kernel issues it: make shared, R | W, partition_id 0. */
const acquire = (c: Caller, pfns: readonly number[], partitionId = 0n): Answer =>
  modify(c, AcquireSparseSpaPageHostAccess, partitionId, pfns, RW, MAKE_SHARED);

/** An SNP guest with `pages` pinned pages made exclusive to it and mapped at GFN 0. */
function snpGuest(c: Caller, pages = 4): { id: bigint; runs: PfnRun[]; pfns: number[] } {
  const id = c.readyPartition(ALL_CREATION_FLAGS, SNP);
  const pin = c.machine.host.pinUserRange(USER_4K, pages);
  if (pin.kind !== 'ram') throw new Error('pin failed');
  const runs = [...pin.runs];
  const pfns = expand(runs);
  expect(release(c, id, pfns).status).toBe(S.SUCCESS);
  expect(c.mapPfns(id, 0, pfns).status).toBe(S.SUCCESS);
  return { id, runs, pfns };
}

/** FINALIZE, WITHDRAW everything, DELETE: the teardown without the re-share. */
function finalizeWithdrawDelete(c: Caller, id: bigint): void {
  expect(c.fast(FinalizePartition, { partitionId: id }).status).toBe(S.SUCCESS);
  c.withdrawAll(id);
  expect(c.fast(DeletePartition, { partitionId: id }).status).toBe(S.SUCCESS);
}

const exclusiveKeys = (m: SimulatedMachine, pfns: readonly number[]): number[] =>
  pfns.map((pfn) => [...m.hostExtents()].find((e) => e.start <= pfn && pfn < e.end)?.exclusive ?? -2);

const keyOf = (m: SimulatedMachine, id: bigint): number | undefined =>
  m.model.all().find((p) => p.id === id)?.key;

describe('ACQUIRE_SPARSE_SPA_PAGE_HOST_ACCESS: the page owner decides (seed-review-thread.txt:532, inventory §c.12)', () => {
  it('gives pages back with partition_id 0, as the kernel sends it (seed-review-thread.txt:532)', () => {
    const c = new Caller(smallMachine());
    const { pfns } = snpGuest(c);
    const a = acquire(c, pfns);
    expect([a.status, a.reps]).toEqual([S.SUCCESS, pfns.length]);
    expect(exclusiveKeys(c.machine, pfns)).toEqual(pfns.map(() => -1));
    expect(c.machine.audit().exclusivePages).toBe(0);
  });

  it('gives pages back after FINALIZE_PARTITION, so an SNP teardown completes (inventory §c.12 step 5, teardown_order)', () => {
    const m = smallMachine();
    const c = new Caller(m);
    const { id, runs, pfns } = snpGuest(c);
    expect(c.fast(FinalizePartition, { partitionId: id }).status).toBe(S.SUCCESS);
    const a = acquire(c, pfns);
    expect([a.status, a.reps]).toEqual([S.SUCCESS, pfns.length]);
    // The rest of the teardown: unpin (no longer exclusive, so the host may), withdraw, delete.
    m.host.unpinUserRange(runs);
    c.withdrawAll(id);
    expect(c.fast(DeletePartition, { partitionId: id }).status).toBe(S.SUCCESS);
    expect(m.partition(id)).toBeUndefined();
    const audit = m.audit();
    expect([audit.violations, audit.exclusivePages, audit.leakedPages]).toEqual([[], 0, 0]);
  });

  it('also accepts the owner named after FINALIZE_PARTITION; a partition that is not the owner is ACCESS_DENIED', () => {
    const c = new Caller(smallMachine());
    const { id, pfns } = snpGuest(c);
    const other = c.readyPartition(ALL_CREATION_FLAGS, SNP);
    expect(c.fast(FinalizePartition, { partitionId: id }).status).toBe(S.SUCCESS);
    expect(acquire(c, pfns, other).status).toBe(S.ACCESS_DENIED);
    expect(acquire(c, pfns, id).status).toBe(S.SUCCESS);
  });

  it('still refuses pages that are not exclusive with ACCESS_DENIED, at the first such rep', () => {
    const c = new Caller(smallMachine());
    const { pfns } = snpGuest(c, 2);
    const shared = c.machine.host.pinUserRange(USER_4K + 0x10_0000n, 1);
    if (shared.kind !== 'ram') throw new Error('pin failed');
    const a = acquire(c, [...pfns, ...expand(shared.runs)]);
    expect([a.status, a.reps]).toEqual([S.ACCESS_DENIED, 2]);
    expect(acquire(c, pfns).status).toBe(S.ACCESS_DENIED);
  });
});

describe("a deleted partition's exclusive pages never pass to a later partition (inventory §c.4, §c.12 ORIG leak)", () => {
  it('keeps the dead partition (and its key) while pages are exclusive to it; a new partition may not map them', () => {
    const m = smallMachine();
    const c = new Caller(m);
    const { id, pfns } = snpGuest(c);
    const deadKey = keyOf(m, id);
    finalizeWithdrawDelete(c, id);
    // Still held, deleted, and the audit attributes the pages to it.
    expect(m.partition(id)?.state).toBe('deleted');
    expect(m.model.wasDeleted(id)).toBe(true);
    expect(exclusiveKeys(m, pfns)).toEqual(pfns.map(() => deadKey));
    expect(m.audit().violations).toEqual([]);
    // A new partition, SNP or not, gets another key and no claim on those pages.
    const plain = c.readyPartition();
    const snp = c.readyPartition(ALL_CREATION_FLAGS, SNP);
    expect([keyOf(m, plain), keyOf(m, snp)]).not.toContain(deadKey);
    c.deposit(plain, 64);
    expect(c.mapPfns(plain, 0, pfns).status).toBe(S.ACCESS_DENIED);
    expect(acquire(c, pfns, snp).status).toBe(S.ACCESS_DENIED);
    expect(exclusiveKeys(m, pfns)).toEqual(pfns.map(() => deadKey));
  });

  it('forgets the dead partition once its pages are given back (partition_id 0), and only then frees its key', () => {
    const m = smallMachine();
    const c = new Caller(m);
    const { id, pfns } = snpGuest(c);
    finalizeWithdrawDelete(c, id);
    expect(acquire(c, pfns).status).toBe(S.SUCCESS);
    expect(m.partition(id)).toBeUndefined();
    expect(m.model.wasDeleted(id)).toBe(true);
    expect(m.audit().violations).toEqual([]);
  });

  it('keeps that state through a snapshot: the restored machine refuses the pages the same way (design principle 3)', () => {
    const m = smallMachine();
    const c = new Caller(m);
    const { id, pfns } = snpGuest(c);
    finalizeWithdrawDelete(c, id);
    const text = canonicalJson(m.snapshot());
    const r = SimulatedMachine.fromSnapshot(JSON.parse(text));
    if (!r.ok) throw new Error(r.error.message);
    const twin = new Caller(r.value);
    expect(r.value.partition(id)?.state).toBe('deleted');
    for (const caller of [c, twin]) {
      const plain = caller.readyPartition();
      caller.deposit(plain, 64);
      expect(caller.mapPfns(plain, 0, pfns).status).toBe(S.ACCESS_DENIED);
    }
    expect(canonicalJson(r.value.snapshot())).toBe(canonicalJson(m.snapshot()));
  });
});
