import { HV_VP_STATE_PAGE } from '../../hv/flags/HvVpState.js';
import { HV_VP_REGISTER_PAGE_MAX_VECTOR_COUNT } from '../../hv/KernelConstants.js';
import type { DriverEnv } from './DriverEnv.js';
import type { KernelPartition } from './KernelPartition.js';
import type { LapicIrq } from './routedIrq.js';
import { VP_REGISTER_PAGE_INTERRUPT_VECTORS_OFFSET } from './vpInterruptPending.js';

/**
 * Why the fast path did not finish an injection (the slow path, ASSERT_VIRTUAL_INTERRUPT, runs):
 * `unavailable` (no CPUID 0x40000003 ECX bit 9, not the root scheduler, a logical destination, no
 * such VP, no register page), `full` (seven vectors already queued), `dispatched` (the VP is inside
 * DISPATCH_VP with vectors queued: the vector stays queued and is asserted as well).
 */
export type FastIrqMiss = 'unavailable' | 'full' | 'dispatched';

/**
 * mshv_try_assert_irq_fast (inventory §c.11): with dispatch interrupt injection, the root scheduler
 * and a physical destination, append the vector to the register page of the VP whose index is the
 * APIC id (`interrupt_vectors`: a count byte, then up to 7 vectors; the kernel's cmpxchg loop, here
 * one read-modify-write) and wake the VP. The next DISPATCH_VP carries SCAN_INTERRUPT_INJECTION and
 * the hypervisor takes the list; a run waiting for a kick wakes, since its condition includes
 * pending vectors. Returns null when the vector was queued and nothing else is needed.
 *
 * @example
 * tryAssertIrqFast(env, pt, irq) ?? 'queued'; // 'unavailable' under a hypervisor scheduler
 */
export function tryAssertIrqFast(env: DriverEnv, pt: KernelPartition, irq: LapicIrq): FastIrqMiss | null {
  if (!env.dispatchInterruptInjection || env.scheduler !== 'root' || irq.logicalDestMode)
    return 'unavailable';
  const vp = pt.vps.get(irq.apicId);
  const pfn = vp?.statePages.get(HV_VP_STATE_PAGE.REGISTERS);
  if (vp === undefined || pfn === undefined) return 'unavailable';
  const page = env.shared.readPage(pfn);
  const at = VP_REGISTER_PAGE_INTERRUPT_VECTORS_OFFSET;
  const count = page[at] ?? 0;
  if (count >= HV_VP_REGISTER_PAGE_MAX_VECTOR_COUNT) return 'full';
  page[at + 1 + count] = irq.vector;
  page[at] = count + 1;
  env.shared.writePage(pfn, page);
  // The list is non-empty now; a VP inside DISPATCH_VP may not scan it before it returns.
  if (vp.rootSchedDispatched) return 'dispatched';
  return null;
}
