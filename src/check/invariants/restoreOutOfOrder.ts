import { restoreRank } from '../../../machines/vp/VpStatePart.js';
import type { CheckWorld } from '../CheckWorld.js';
import { restoreWriteOf } from '../VpRestoreLog.js';
import type { Invariant } from './Invariant.js';

/** The partition key of a hypervisor partition id, or the id itself when no key names it. */
function keyOf(world: CheckWorld, id: bigint): string {
  for (const key of world.createdKeys()) if (world.partitionId(key) === id) return key;
  return `partition ${id}`;
}

/**
 * A VP's state is restored in rule 8's order (vmm-lifecycle-rules 8, cloud-hypervisor: MSRs → VP
 * events → registers → special registers → FPU → XCRs → misc registers (VP 0 only) → debug
 * registers → LAPIC, XSAVE, SIMP, SIEFP, synthetic timers). Judged from what the hypervisor was
 * asked to write, not from the VP machine's guard (`vpStateRestoreInOrder`) nor its `restoredRank`:
 * between the CREATE_VP the hypervisor completed and the VMM's READY for that VP (or its first
 * MSHV_RUN_VP), a successful SET_VP_REGISTERS (the part is the register group of its first
 * register) or SET_VP_STATE (the part is its state type) must not write a part ranked before one
 * already written into that VP (`CheckWorld.restores`). Writes after READY are the running VMM's
 * (a RIP skip, a register poke), not a restore.
 *
 * @example
 * restoreOutOfOrder.afterCall?.(call, 0n, world); // 'SET_VP_REGISTERS writes MSRS into vm0/vp0 during its restore after REGISTERS (rule 8: MSRS comes first)'
 */
export const restoreOutOfOrder: Invariant = {
  name: 'restoreOutOfOrder',
  summary:
    "between a VP's CREATE_VP and its READY (or first run), the hypervisor is never asked to write a state part ranked before one already written (rule 8's restore order)",
  afterCall(call, status, world) {
    if (call.fast || Number(status & 0xffffn) !== 0) return null;
    const w = restoreWriteOf(call.code, call.input);
    if (w === undefined) return null;
    const before = world.restores.progress(w.partitionId, w.vpIndex);
    if (before === undefined) return null;
    if (before.part !== null && restoreRank(w.part) < before.rank)
      return `${call.name} writes ${w.part} into ${keyOf(world, w.partitionId)}/vp${w.vpIndex} during its restore after ${before.part} (rule 8: ${w.part} comes first)`;
    return undefined;
  },
};
