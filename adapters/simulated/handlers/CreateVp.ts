import { CreateVp, CreateVpInput } from '../../../src/hv/hypercalls/CreateVp.js';
import { Vp } from '../model/Vp.js';
import { S, partitionIn, simpleHandler } from './Handler.js';

/**
 * CREATE_VP: a VP in an initialized partition (created → INVALID_PARTITION_STATE: CREATE_VP before
 * INITIALIZE_PARTITION). The index must be below the model's limit (1024) and unused
 * (INVALID_VP_INDEX); subnode type ANY (0) and flags 0 only (INVALID_PARAMETER). Takes `vpPages` from
 * the partition's pool (the driver deposits 90 first, then 1 per retry). A new VP starts explicitly
 * suspended, so it runs only once the run loop clears the suspend registers (or DISPATCH_VP runs it).
 */
export const CreateVpHandler = simpleHandler(
  CreateVp,
  [
    S.INVALID_PARTITION_ID,
    S.INVALID_PARTITION_STATE,
    S.INVALID_VP_INDEX,
    S.INVALID_PARAMETER,
    S.INSUFFICIENT_MEMORY,
  ],
  (ctx) => {
    const v = CreateVpInput.decode(ctx.input);
    const found = partitionIn(ctx, v.partitionId, ['initialized']);
    if (!found.ok) return found.status;
    const p = found.value;
    const m = ctx.m;
    if (v.vpIndex >= m.knobs.vpIndexLimit || p.vps.has(v.vpIndex)) return S.INVALID_VP_INDEX;
    if (v.subnodeType !== 0 || v.flags !== 0n) return S.INVALID_PARAMETER;
    const cost = m.knobs.costs.vpPages;
    if (!p.pool.consume(cost)) return S.INSUFFICIENT_MEMORY;
    p.held.vps += cost;
    const vp = new Vp(v.vpIndex, v.vpIndex % m.knobs.cpuCount);
    vp.explicitSuspend = m.knobs.scheduler !== 'root';
    p.vps.set(v.vpIndex, vp);
    return S.SUCCESS;
  },
);
