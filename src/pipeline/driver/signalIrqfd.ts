import { AssertVirtualInterrupt } from '../../hv/hypercalls/AssertVirtualInterrupt.js';
import type { CallOutcome } from '../CallPlan.js';
import type { DriverEnv } from './DriverEnv.js';
import type { KernelPartition } from './KernelPartition.js';
import { plan } from './plan.js';
import { interruptControl, routedIrq } from './routedIrq.js';

/** The op name irqfd injections carry in the log (they serve no ioctl). */
export const IRQFD_INJECT = 'irqfd-inject';

/**
 * An irqfd's eventfd was signalled (mshv_irqfd_wakeup, inventory §c.11): inject the gsi's routed
 * interrupt with ASSERT_VIRTUAL_INTERRUPT (partition, vector, APIC id as dest_addr, control from the
 * route; no deposit retry). Returns the call's outcome, or undefined when nothing was injected: no
 * irqfd on that eventfd, or a gsi with no valid route.
 *
 * Only the slow path is modelled. The kernel first tries a fast path (root scheduler, CPUID
 * 0x40000003 ECX bit 9, physical destination, VP register page mapped): it appends the vector to the
 * VP register page's list and wakes the VP without a hypercall. The model behaves as a hypervisor
 * without bit 9, where every injection takes this path.
 *
 * Quirk kept: the validity test only applies to a non-zero slot gsi, so an irqfd on gsi 0 with no
 * table, or on an empty slot inside the table, asserts an all-zero interrupt (vector 0, APIC 0).
 *
 * @example
 * signalIrqfd(env, pt, 4)?.result; // 0
 */
export function signalIrqfd(env: DriverEnv, pt: KernelPartition, eventfd: number): CallOutcome | undefined {
  const bound = pt.irqfds.find((f) => f.eventfd === eventfd);
  if (bound === undefined) return undefined;
  const entry = routedIrq(pt, bound.gsi);
  if (entry.guestIrqNum !== 0 && !entry.valid) return undefined;
  const { irq } = entry;
  return env.exec(
    plan(
      AssertVirtualInterrupt,
      {
        partitionId: pt.id,
        control: interruptControl(irq),
        destAddr: BigInt(irq.apicId),
        vector: irq.vector,
        targetVtl: 0,
      },
      IRQFD_INJECT,
    ),
  );
}
