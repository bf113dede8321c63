import {
  AssertVirtualInterrupt,
  AssertVirtualInterruptInput,
} from '../../../src/hv/hypercalls/AssertVirtualInterrupt.js';
import { wakeVp } from '../model/Guest.js';
import type { Vp } from '../model/Vp.js';
import { S, partitionIn, simpleHandler } from './Handler.js';

/** hv_interrupt_control: interrupt_type u32 (bits 0–31), level_triggered bit 32, logical_dest_mode bit 33. */
const CONTROL_RESERVED = ~((1n << 34n) - 1n) & 0xffff_ffff_ffff_ffffn;
/** HV_X64_INTERRUPT_TYPE_FIXED .. _EXTINT (0–7); FIXED and LOWESTPRIORITY need a vector ≥ 16. */
const INTERRUPT_TYPE_MAX = 7;
const EXTINT = 7;

/**
 * ASSERT_VIRTUAL_INTERRUPT: deliver `vector` to the VP whose APIC id is `dest_addr` (the model gives
 * VP i APIC id i); logical destination mode treats dest_addr as a bit mask of VP indexes below 64. No
 * matching VP: the interrupt is dropped (SUCCESS), as on a real APIC. A halted VP wakes: under the
 * root scheduler its blocked dispatch thread is signalled (HVMSG_SCHEDULER_VP_SIGNAL_PAIR).
 */
export const AssertVirtualInterruptHandler = simpleHandler(
  AssertVirtualInterrupt,
  [S.INVALID_PARTITION_ID, S.INVALID_PARTITION_STATE, S.INVALID_PARAMETER],
  (ctx) => {
    const v = AssertVirtualInterruptInput.decode(ctx.input);
    const found = partitionIn(ctx, v.partitionId, ['initialized']);
    if (!found.ok) return found.status;
    if ((v.control & CONTROL_RESERVED) !== 0n || v.targetVtl !== 0) return S.INVALID_PARAMETER;
    const type = Number(v.control & 0xffff_ffffn);
    if (type > INTERRUPT_TYPE_MAX) return S.INVALID_PARAMETER;
    if (type <= 1 && (v.vector < 16 || v.vector > 255)) return S.INVALID_PARAMETER;
    const logical = (v.control & (1n << 33n)) !== 0n;
    const p = found.value;
    const targets: Vp[] = [];
    for (const vp of p.vps.values()) {
      const hit = logical
        ? vp.index < 64 && ((v.destAddr >> BigInt(vp.index)) & 1n) === 1n
        : BigInt(vp.index) === v.destAddr;
      if (hit) targets.push(vp);
    }
    for (const vp of targets) {
      vp.pendingVectors.push(v.vector);
      vp.interruptsAsserted += 1;
      if (type === EXTINT) vp.extIntPending = true;
      vp.halted = false;
      wakeVp(ctx.m, p, vp);
    }
    return S.SUCCESS;
  },
);
