import { GetVpRegisters, GetVpRegistersInput } from '../../../src/hv/hypercalls/GetVpRegisters.js';
import { readRegister } from '../model/Registers.js';
import { S, repHandler, vpOf, vtlOk } from './Handler.js';

/**
 * GET_VP_REGISTERS (rep, ≤ 256): rep i reads the u32 name at input offset 16 + 4i and writes its
 * 16-byte value at output offset 16i (absolute index). Unknown names are INVALID_PARAMETER at that rep.
 */
export const GetVpRegistersHandler = repHandler(
  GetVpRegisters,
  [S.INVALID_PARTITION_ID, S.INVALID_PARTITION_STATE, S.INVALID_VP_INDEX, S.INVALID_PARAMETER],
  (ctx, from, to) => {
    const h = GetVpRegistersInput.decode(ctx.input);
    if (!vtlOk(h.inputVtl)) return { status: S.INVALID_PARAMETER, done: 0 };
    const found = vpOf(ctx, h.partitionId, h.vpIndex);
    if (!found.ok) return { status: found.status, done: 0 };
    const out = ctx.output;
    if (out === null) return { status: S.INVALID_HYPERCALL_INPUT, done: 0 };
    for (let i = from; i < to; i++) {
      const name = ctx.input.getUint32(GetVpRegistersInput.size + i * 4, true);
      const r = readRegister(found.value.vp, name);
      if (!r.ok) return { status: r.status, done: i - from };
      out.view.setBigUint64(i * 16, r.lo, true);
      out.view.setBigUint64(i * 16 + 8, r.hi, true);
    }
    return { status: S.SUCCESS, done: to - from };
  },
);
