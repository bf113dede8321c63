import { MapStatsPageInput } from '../../../src/hv/hypercalls/MapStatsPage.js';
import { UnmapStatsPage } from '../../../src/hv/hypercalls/UnmapStatsPage.js';
import { S, simpleHandler } from './Handler.js';
import { statsTarget } from './statsPages.js';

/** UNMAP_STATS_PAGE: unmap a VP stats area (INVALID_PARAMETER when not mapped); a pool page returns to the root's pool. */
export const UnmapStatsPageHandler = simpleHandler(
  UnmapStatsPage,
  [S.INVALID_PARTITION_ID, S.INVALID_PARTITION_STATE, S.INVALID_VP_INDEX, S.INVALID_PARAMETER],
  (ctx) => {
    const v = MapStatsPageInput.decode(ctx.input);
    const t = statsTarget(ctx, v);
    if (!t.ok) return t.status;
    const { vp, area } = t.value;
    const page = vp.statsPages.get(area);
    if (page === undefined) return S.INVALID_PARAMETER;
    vp.statsPages.delete(area);
    ctx.m.releaseSharedPage(ctx.m.root, page);
    return S.SUCCESS;
  },
);
