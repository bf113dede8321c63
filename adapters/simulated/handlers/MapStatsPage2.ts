import { MapStatsPage2, MapStatsPage2Input } from '../../../src/hv/hypercalls/MapStatsPage2.js';
import { PFN_LIMIT } from '../host/HostRam.js';
import { S, simpleHandler } from './Handler.js';
import { initStatsPage, statsTarget } from './statsPages.js';

/**
 * MAP_STATS_PAGE2: overlay a VP's stats page on a page the root supplies (map_location, L1VH overlay
 * GPFNs). The page must be a kernel page the root owns and not already in use (ACCESS_DENIED); it stays
 * the root's and returns to it on unmap. An area already mapped, or a page number at or beyond 2^40,
 * is INVALID_PARAMETER.
 */
export const MapStatsPage2Handler = simpleHandler(
  MapStatsPage2,
  [
    S.INVALID_PARTITION_ID,
    S.INVALID_PARTITION_STATE,
    S.INVALID_VP_INDEX,
    S.INVALID_PARAMETER,
    S.ACCESS_DENIED,
  ],
  (ctx) => {
    const v = MapStatsPage2Input.decode(ctx.input);
    const t = statsTarget(ctx, v);
    if (!t.ok) return t.status;
    const { vp, area } = t.value;
    if (vp.statsPages.has(area)) return S.INVALID_PARAMETER;
    const pfn = Number(v.mapLocation);
    const m = ctx.m;
    if (v.mapLocation >= BigInt(PFN_LIMIT)) return S.INVALID_PARAMETER;
    if (m.ram.sharedWithRoot.has(pfn) || !m.ram.all(pfn, 1, (o) => o.kind === 'kernel' && o.maps === 0))
      return S.ACCESS_DENIED;
    const page = { pfn, overlay: true };
    vp.statsPages.set(area, page);
    initStatsPage(m, vp, page);
    return S.SUCCESS;
  },
);
