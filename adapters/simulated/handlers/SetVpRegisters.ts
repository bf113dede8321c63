import { HvRegisterAssoc } from '../../../src/hv/hypercalls/HvRegisterAssoc.js';
import { SetVpRegisters, SetVpRegistersInput } from '../../../src/hv/hypercalls/SetVpRegisters.js';
import { runVp } from '../model/Guest.js';
import { writeRegister } from '../model/Registers.js';
import { S, repHandler, vpOf, vtlOk } from './Handler.js';

/**
 * SET_VP_REGISTERS (rep, ≤ 127 hv_register_assoc): rep i writes element i. Under a hypervisor
 * scheduler the VP runs as soon as a rep leaves it unsuspended, before the next rep: so clearing
 * EXPLICIT_SUSPEND before INTERCEPT_SUSPEND in one call lets an intercept arrive and be cleared by the
 * second rep, losing it, which is why the driver clears INTERCEPT_SUSPEND first (inventory §c.6).
 */
export const SetVpRegistersHandler = repHandler(
  SetVpRegisters,
  [
    S.INVALID_PARTITION_ID,
    S.INVALID_PARTITION_STATE,
    S.INVALID_VP_INDEX,
    S.INVALID_PARAMETER,
    S.INVALID_REGISTER_VALUE,
  ],
  (ctx, from, to) => {
    const h = SetVpRegistersInput.decode(ctx.input);
    if (!vtlOk(h.inputVtl)) return { status: S.INVALID_PARAMETER, done: 0 };
    const found = vpOf(ctx, h.partitionId, h.vpIndex);
    if (!found.ok) return { status: found.status, done: 0 };
    const { p, vp } = found.value;
    for (let i = from; i < to; i++) {
      const at = SetVpRegistersInput.size + i * HvRegisterAssoc.size;
      const name = ctx.input.getUint32(at, true);
      const lo = ctx.input.getBigUint64(at + 16, true);
      const hi = ctx.input.getBigUint64(at + 24, true);
      const status = writeRegister(ctx.m, p, vp, name, lo, hi);
      if (status !== S.SUCCESS) return { status, done: i - from };
      runVp(ctx.m, p, vp);
    }
    return { status: S.SUCCESS, done: to - from };
  },
);
