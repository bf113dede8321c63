import {
  HV_STATS_AREA,
  HV_STATS_OBJECT,
  VP_ROOT_DISPATCH_THREAD_BLOCKED_COUNTER,
} from '../../../src/hv/flags/HvStats.js';
import type { HvModel } from '../model/HvModel.js';
import type { MappedPage, Vp } from '../model/Vp.js';
import { type CallContext, type Lookup, S, vpOf } from './Handler.js';

/** The identity fields MAP_STATS_PAGE, MAP_STATS_PAGE2 and UNMAP_STATS_PAGE share. */
export interface StatsIdentity {
  readonly type: number;
  readonly identityPartitionId: bigint;
  readonly identityVpIndex: number;
  readonly identityStatsAreaType: number;
}

/**
 * The VP and stats area a stats-page call names. The model has VP stats objects (HV_STATS_OBJECT_VP) in
 * areas SELF and PARENT only, the ones the driver maps; anything else is INVALID_PARAMETER.
 *
 * @example
 * statsTarget(ctx, MapStatsPageInput.decode(ctx.input)); // naming a live VP's SELF area:
 * // { ok: true, value: { vp, area: HV_STATS_AREA.SELF } } (a PARTITION object: S.INVALID_PARAMETER)
 */
export function statsTarget(ctx: CallContext, v: StatsIdentity): Lookup<{ vp: Vp; area: number }> {
  if (v.type !== HV_STATS_OBJECT.VP) return { ok: false, status: S.INVALID_PARAMETER };
  const area = v.identityStatsAreaType;
  if (area !== HV_STATS_AREA.SELF && area !== HV_STATS_AREA.PARENT)
    return { ok: false, status: S.INVALID_PARAMETER };
  const found = vpOf(ctx, v.identityPartitionId, v.identityVpIndex);
  if (!found.ok) return found;
  return { ok: true, value: { vp: found.value.vp, area } };
}

/**
 * Fill a freshly mapped stats page: counters zero, RootDispatchThreadBlocked as the VP's thread is.
 *
 * @example
 * initStatsPage(m, vp, page); m.ram.sharedWithRoot.has(page.pfn); // true: the root may read it now
 */
export function initStatsPage(m: HvModel, vp: Vp, page: MappedPage): void {
  const contents = m.ram.contents(page.pfn);
  contents.zero();
  const at = VP_ROOT_DISPATCH_THREAD_BLOCKED_COUNTER.x86_64 * 8;
  contents.view.setBigUint64(at, vp.thread === 'blocked' ? 1n : 0n, true);
  m.ram.sharedWithRoot.add(page.pfn);
}
