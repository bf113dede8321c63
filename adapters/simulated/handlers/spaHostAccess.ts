import { HV_MODIFY_SPA_PAGE_HOST_ACCESS } from '../../../src/hv/flags/HvMapGpaFlag.js';
import { HV_PARTITION_ISOLATION_TYPE } from '../../../src/hv/flags/HvPartitionCreationFlag.js';
import { ModifySparseSpaPageHostAccessInput } from '../../../src/hv/hypercalls/ModifySparseSpaPageHostAccessInput.js';
import { PAGES_PER_LARGE_PAGE } from '../../../src/hv/Page.js';
import { PFN_LIMIT, withOwner } from '../host/HostRam.js';
import type { Partition } from '../model/Partition.js';
import { type CallContext, type RepOutcome, S, listU64, partitionIn } from './Handler.js';

const KNOWN_FLAGS =
  HV_MODIFY_SPA_PAGE_HOST_ACCESS.MAKE_EXCLUSIVE |
  HV_MODIFY_SPA_PAGE_HOST_ACCESS.MAKE_SHARED |
  HV_MODIFY_SPA_PAGE_HOST_ACCESS.LARGE_PAGE;

/**
 * The shared body of ACQUIRE (give back to the host: MAKE_SHARED, host_access ≠ 0) and RELEASE (take
 * from the host: MAKE_EXCLUSIVE, host_access 0) SPARSE_SPA_PAGE_HOST_ACCESS. Rep i handles list entry i
 * (LARGE_PAGE: a 512-aligned head PFN covering 2 MiB, INVALID_ALIGNMENT otherwise; HUGE_PAGE is not
 * modelled; a page number at or beyond 2^40 is INVALID_PARAMETER).
 *
 * RELEASE names the partition the pages go to: created or initialized, SNP-isolated
 * (OPERATION_DENIED), and the pages pinned-or-resident user memory the host still owns (ACCESS_DENIED).
 *
 * ACQUIRE: the page's current owner decides, not the input. The kernel sets partition_id only when
 * making pages exclusive, so ACQUIRE carries 0 (seed-review-thread.txt:532), and it re-shares after
 * FINALIZE_PARTITION (inventory §c.12 step 5, mshv-facts.json teardown_order). With partition_id 0
 * any page exclusive to some partition (finalized or deleted included) is given back; a non-zero id
 * must name a partition that is not deleted (INVALID_PARTITION_ID), SNP (OPERATION_DENIED), holding
 * the pages. A page not exclusive (to it) is ACCESS_DENIED. A deleted partition whose last exclusive
 * page comes back, with nothing left in its pool, is forgotten (`HvModel.forgetIfClean`).
 *
 * @example
 * const reps = (ctx: CallContext, from: number, to: number) => modifyHostAccess(ctx, from, to, true);
 * repHandler(ReleaseSparseSpaPageHostAccess, RELEASE_STATUSES, reps); // RELEASE: make pages exclusive
 */
export function modifyHostAccess(
  ctx: CallContext,
  from: number,
  to: number,
  makeExclusive: boolean,
): RepOutcome {
  const h = ModifySparseSpaPageHostAccessInput.decode(ctx.input);
  let named: Partition | undefined;
  if (makeExclusive || h.partitionId !== 0n) {
    const found = partitionIn(
      ctx,
      h.partitionId,
      makeExclusive ? ['created', 'initialized'] : ['created', 'initialized', 'finalized'],
    );
    if (!found.ok) return { status: found.status, done: 0 };
    named = found.value;
    if (named.isolationType !== HV_PARTITION_ISOLATION_TYPE.SNP)
      return { status: S.OPERATION_DENIED, done: 0 };
  }
  const want = makeExclusive
    ? HV_MODIFY_SPA_PAGE_HOST_ACCESS.MAKE_EXCLUSIVE
    : HV_MODIFY_SPA_PAGE_HOST_ACCESS.MAKE_SHARED;
  const action =
    h.flags & (HV_MODIFY_SPA_PAGE_HOST_ACCESS.MAKE_EXCLUSIVE | HV_MODIFY_SPA_PAGE_HOST_ACCESS.MAKE_SHARED);
  if ((h.flags & ~KNOWN_FLAGS) !== 0 || action !== want || (h.hostAccess === 0) !== makeExclusive)
    return { status: S.INVALID_PARAMETER, done: 0 };
  const large = (h.flags & HV_MODIFY_SPA_PAGE_HOST_ACCESS.LARGE_PAGE) !== 0;
  const pages = large ? PAGES_PER_LARGE_PAGE : 1;
  const ram = ctx.m.ram;
  const namedKey = named?.key;
  const mine = namedKey === undefined ? (key: number) => key >= 0 : (key: number) => key === namedKey;
  /** Keys whose pages this call gave back: a deleted partition among them may be forgotten after. */
  const sharedFrom = new Set<number>();
  const outcome = (status: number, done: number): RepOutcome => {
    for (const key of sharedFrom) {
      const owner = ctx.m.byKey(key);
      if (owner !== undefined) ctx.m.forgetIfClean(owner);
    }
    return { status, done };
  };
  for (let i = from; i < to; i++) {
    const pfn = listU64(ctx, ModifySparseSpaPageHostAccessInput.size, i);
    if (pfn + pages > PFN_LIMIT) return outcome(S.INVALID_PARAMETER, i - from);
    if (large && pfn % PAGES_PER_LARGE_PAGE !== 0) return outcome(S.INVALID_ALIGNMENT, i - from);
    const ok = makeExclusive
      ? ram.all(pfn, pages, (o) => o.kind === 'user' && o.exclusive < 0)
      : ram.all(pfn, pages, (o) => o.kind === 'user' && mine(o.exclusive));
    if (!ok) return outcome(S.ACCESS_DENIED, i - from);
    const exclusive = makeExclusive ? (namedKey ?? -1) : -1;
    ram.retag(pfn, pages, (o) => {
      if (!makeExclusive) sharedFrom.add(o.exclusive);
      return withOwner(o, { exclusive });
    });
  }
  return outcome(S.SUCCESS, to - from);
}

/** What RELEASE (make exclusive) answers besides SUCCESS. */
export const RELEASE_STATUSES = [
  S.INVALID_PARTITION_ID,
  S.INVALID_PARTITION_STATE,
  S.OPERATION_DENIED,
  S.INVALID_PARAMETER,
  S.INVALID_ALIGNMENT,
  S.ACCESS_DENIED,
] as const;

/**
 * What ACQUIRE (make shared) answers besides SUCCESS: no INVALID_PARTITION_STATE, since a named
 * partition may be in any state but deleted (the kernel re-shares after FINALIZE_PARTITION).
 */
export const ACQUIRE_STATUSES = [
  S.INVALID_PARTITION_ID,
  S.OPERATION_DENIED,
  S.INVALID_PARAMETER,
  S.INVALID_ALIGNMENT,
  S.ACCESS_DENIED,
] as const;
