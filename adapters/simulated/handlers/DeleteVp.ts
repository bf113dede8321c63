import { DeleteVp, DeleteVpInput } from '../../../src/hv/hypercalls/DeleteVp.js';
import { S, simpleHandler, vpOf } from './Handler.js';

/**
 * DELETE_VP (fast16): the driver's CREATE_VP error path. Releases the VP's state and stats pages that
 * are still mapped and its pool pages.
 */
export const DeleteVpHandler = simpleHandler(
  DeleteVp,
  [S.INVALID_PARTITION_ID, S.INVALID_PARTITION_STATE, S.INVALID_VP_INDEX, S.INVALID_PARAMETER],
  (ctx) => {
    const v = DeleteVpInput.decode(ctx.input);
    const found = vpOf(ctx, v.partitionId, v.vpIndex);
    if (!found.ok) return found.status;
    const { p, vp } = found.value;
    const m = ctx.m;
    for (const page of vp.statePages.values()) m.releaseSharedPage(p, page);
    for (const page of vp.statsPages.values()) m.releaseSharedPage(m.root, page);
    p.vps.delete(vp.index);
    p.pool.release(m.knobs.costs.vpPages + vp.stateAreaPages);
    p.held.vps -= m.knobs.costs.vpPages + vp.stateAreaPages;
    return S.SUCCESS;
  },
);
