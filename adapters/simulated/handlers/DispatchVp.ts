import { DispatchVp, DispatchVpInput, DispatchVpOutput } from '../../../src/hv/hypercalls/DispatchVp.js';
import { dispatchVp } from '../model/Guest.js';
import { S, simpleHandler, vpOf } from './Handler.js';

const KNOWN_DISPATCH_FLAGS = 0x7f;

/**
 * DISPATCH_VP: the root scheduler's run step (see model/Guest.ts dispatchVp for the states and
 * events). Under a hypervisor scheduler the root may not dispatch (ACCESS_DENIED); unknown flag bits
 * are INVALID_PARAMETER.
 */
export const DispatchVpHandler = simpleHandler(
  DispatchVp,
  [
    S.INVALID_PARTITION_ID,
    S.INVALID_PARTITION_STATE,
    S.INVALID_VP_INDEX,
    S.INVALID_PARAMETER,
    S.ACCESS_DENIED,
  ],
  (ctx) => {
    const v = DispatchVpInput.decode(ctx.input);
    const found = vpOf(ctx, v.partitionId, v.vpIndex);
    if (!found.ok) return found.status;
    if (ctx.m.knobs.scheduler !== 'root') return S.ACCESS_DENIED;
    if ((v.flags & ~KNOWN_DISPATCH_FLAGS) !== 0) return S.INVALID_PARAMETER;
    const r = dispatchVp(ctx.m, found.value.p, found.value.vp, v.flags);
    if (ctx.output !== null)
      DispatchVpOutput.encode({ dispatchState: r.state, dispatchEvent: r.event }, ctx.output.view);
    return S.SUCCESS;
  },
);
