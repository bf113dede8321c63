import { HV_VP_STATE_PAGE } from '../../hv/flags/HvVpState.js';
import type { DriverEnv } from './DriverEnv.js';
import type { KernelVp } from './KernelPartition.js';

/**
 * Offset of `interrupt_vectors` in struct hv_vp_register_page (x86-64, hvhdk.h): 8-byte header,
 * 18 u64 registers, 8 reserved, 6 xmm (96), 6 segments (96), cr0/cr3/cr4/cr8/efer/dr7 (48),
 * pending_interruption, interrupt_state, instruction_emulation_hints, xfem (32), reserved1[0x100]:
 * 8 + 144 + 8 + 96 + 96 + 48 + 32 + 256 = 688 (0x2B0). The union is one u64: vector_count u8, then
 * up to 7 vectors (HV_VP_REGISTER_PAGE_MAX_VECTOR_COUNT).
 */
export const VP_REGISTER_PAGE_INTERRUPT_VECTORS_OFFSET = 0x2b0;

/**
 * mshv_vp_interrupt_pending (inventory §c.6): the register page's pending-vector word
 * (`interrupt_vectors.as_uint64`) is non-zero, i.e. the irqfd fast path queued vectors for the next
 * DISPATCH_VP. A VP without a register page (SNP, not modelled) has none.
 *
 * @example
 * if (vpInterruptPending(env, vp)) flags |= HV_DISPATCH_VP_FLAG.SCAN_INTERRUPT_INJECTION;
 */
export function vpInterruptPending(env: DriverEnv, vp: KernelVp): boolean {
  const pfn = vp.statePages.get(HV_VP_STATE_PAGE.REGISTERS);
  if (pfn === undefined) return false;
  const page = env.shared.readPage(pfn);
  const view = new DataView(page.buffer, page.byteOffset, page.byteLength);
  return view.getBigUint64(VP_REGISTER_PAGE_INTERRUPT_VECTORS_OFFSET, true) !== 0n;
}
