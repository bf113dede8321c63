import { HV_MODIFY_SPA_PAGE_HOST_ACCESS } from '../../../src/hv/flags/HvMapGpaFlag.js';
import { HV_PARTITION_ISOLATION_TYPE } from '../../../src/hv/flags/HvPartitionCreationFlag.js';
import { ModifySparseSpaPageHostAccessInput } from '../../../src/hv/hypercalls/ModifySparseSpaPageHostAccessInput.js';
import { PAGES_PER_LARGE_PAGE } from '../../../src/hv/Page.js';
import { withOwner } from '../host/HostRam.js';
import { GFN_LIMIT } from '../model/GpaMap.js';
import { type CallContext, type RepOutcome, S, listU64, partitionIn } from './Handler.js';

const KNOWN_FLAGS =
  HV_MODIFY_SPA_PAGE_HOST_ACCESS.MAKE_EXCLUSIVE |
  HV_MODIFY_SPA_PAGE_HOST_ACCESS.MAKE_SHARED |
  HV_MODIFY_SPA_PAGE_HOST_ACCESS.LARGE_PAGE;

/**
 * The shared body of ACQUIRE (give back to the host: MAKE_SHARED, host_access ≠ 0) and RELEASE (take
 * from the host: MAKE_EXCLUSIVE, host_access 0) SPARSE_SPA_PAGE_HOST_ACCESS. Rep i handles list entry i
 * (LARGE_PAGE: a 512-aligned head PFN covering 2 MiB, INVALID_ALIGNMENT otherwise; HUGE_PAGE is not
 * modelled). The partition must be SNP-isolated (OPERATION_DENIED). RELEASE needs pinned-or-resident
 * user memory the host still owns; ACQUIRE needs pages exclusive to that partition (ACCESS_DENIED).
 *
 * @example
 * const reps = (ctx: CallContext, from: number, to: number) => modifyHostAccess(ctx, from, to, true);
 * repHandler(ReleaseSparseSpaPageHostAccess, HOST_ACCESS_STATUSES, reps); // RELEASE: make pages exclusive
 */
export function modifyHostAccess(
  ctx: CallContext,
  from: number,
  to: number,
  makeExclusive: boolean,
): RepOutcome {
  const h = ModifySparseSpaPageHostAccessInput.decode(ctx.input);
  const found = partitionIn(ctx, h.partitionId, ['created', 'initialized']);
  if (!found.ok) return { status: found.status, done: 0 };
  const p = found.value;
  if (p.isolationType !== HV_PARTITION_ISOLATION_TYPE.SNP) return { status: S.OPERATION_DENIED, done: 0 };
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
  for (let i = from; i < to; i++) {
    const pfn = listU64(ctx, ModifySparseSpaPageHostAccessInput.size, i);
    if (pfn + pages > GFN_LIMIT) return { status: S.INVALID_PARAMETER, done: i - from };
    if (large && pfn % PAGES_PER_LARGE_PAGE !== 0) return { status: S.INVALID_ALIGNMENT, done: i - from };
    const ok = makeExclusive
      ? ram.all(pfn, pages, (o) => o.kind === 'user' && o.exclusive < 0)
      : ram.all(pfn, pages, (o) => o.kind === 'user' && o.exclusive === p.key);
    if (!ok) return { status: S.ACCESS_DENIED, done: i - from };
    ram.retag(pfn, pages, (o) => withOwner(o, { exclusive: makeExclusive ? p.key : -1 }));
  }
  return { status: S.SUCCESS, done: to - from };
}

export const HOST_ACCESS_STATUSES = [
  S.INVALID_PARTITION_ID,
  S.INVALID_PARTITION_STATE,
  S.OPERATION_DENIED,
  S.INVALID_PARAMETER,
  S.INVALID_ALIGNMENT,
  S.ACCESS_DENIED,
] as const;
