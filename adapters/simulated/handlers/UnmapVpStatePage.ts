import { UnmapVpStatePage, UnmapVpStatePageInput } from '../../../src/hv/hypercalls/UnmapVpStatePage.js';
import { S, simpleHandler, vpOf, vtlOk } from './Handler.js';

/** UNMAP_VP_STATE_PAGE: unmap a VP state page (INVALID_PARAMETER when that type is not mapped); the page goes back. */
export const UnmapVpStatePageHandler = simpleHandler(
  UnmapVpStatePage,
  [S.INVALID_PARTITION_ID, S.INVALID_PARTITION_STATE, S.INVALID_VP_INDEX, S.INVALID_PARAMETER],
  (ctx) => {
    const v = UnmapVpStatePageInput.decode(ctx.input);
    const found = vpOf(ctx, v.partitionId, v.vpIndex);
    if (!found.ok) return found.status;
    if (!vtlOk(v.inputVtl)) return S.INVALID_PARAMETER;
    const { p, vp } = found.value;
    const page = vp.statePages.get(v.type);
    if (page === undefined) return S.INVALID_PARAMETER;
    vp.statePages.delete(v.type);
    ctx.m.releaseSharedPage(p, page);
    return S.SUCCESS;
  },
);
