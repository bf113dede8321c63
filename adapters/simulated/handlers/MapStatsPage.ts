import {
  MapStatsPage,
  MapStatsPageInput,
  MapStatsPageOutput,
} from '../../../src/hv/hypercalls/MapStatsPage.js';
import { S, simpleHandler } from './Handler.js';
import { initStatsPage, statsTarget } from './statsPages.js';

/**
 * MAP_STATS_PAGE: map a VP's SELF or PARENT stats page; the page comes from the root's pool (the
 * driver deposits 1 page into the root per retry) and its PFN is returned as map_location. Mapping an
 * area already mapped returns the same page.
 */
export const MapStatsPageHandler = simpleHandler(
  MapStatsPage,
  [
    S.INVALID_PARTITION_ID,
    S.INVALID_PARTITION_STATE,
    S.INVALID_VP_INDEX,
    S.INVALID_PARAMETER,
    S.INSUFFICIENT_MEMORY,
  ],
  (ctx) => {
    const v = MapStatsPageInput.decode(ctx.input);
    const t = statsTarget(ctx, v);
    if (!t.ok) return t.status;
    const { vp, area } = t.value;
    let page = vp.statsPages.get(area);
    if (page === undefined) {
      const pfn = ctx.m.root.pool.takePage();
      if (pfn === undefined) return S.INSUFFICIENT_MEMORY;
      page = { pfn, overlay: false };
      vp.statsPages.set(area, page);
      initStatsPage(ctx.m, vp, page);
    }
    if (ctx.output !== null) MapStatsPageOutput.encode({ mapLocation: BigInt(page.pfn) }, ctx.output.view);
    return S.SUCCESS;
  },
);
