import { AssertVirtualInterrupt } from '../../hv/hypercalls/AssertVirtualInterrupt.js';
import type { CallOutcome } from '../CallPlan.js';
import type { DriverEnv } from './DriverEnv.js';
import type { KernelPartition } from './KernelPartition.js';
import { plan } from './plan.js';
import { interruptControl, routedIrq } from './routedIrq.js';
import { tryAssertIrqFast } from './tryAssertIrqFast.js';

/** The op name irqfd injections carry in the log (they serve no ioctl). */
export const IRQFD_INJECT = 'irqfd-inject';

/**
 * An irqfd's eventfd was signalled (mshv_irqfd_wakeup, inventory §c.11): inject the gsi's routed
 * interrupt. The fast path first (`tryAssertIrqFast`: root scheduler, CPUID 0x40000003 ECX bit 9,
 * physical destination, the VP's register page): the vector is queued in the register page and no
 * hypercall is made. Otherwise, or when the VP is inside DISPATCH_VP with vectors queued, the slow
 * path: ASSERT_VIRTUAL_INTERRUPT (partition, vector, APIC id as dest_addr, control from the route; no
 * deposit retry). Returns the call's outcome, or undefined when no hypercall was made: the fast
 * path queued it, no irqfd is on that eventfd, or the gsi has no valid route.
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
  if (tryAssertIrqFast(env, pt, irq) === null) return undefined;
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
