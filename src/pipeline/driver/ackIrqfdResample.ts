import { ClearVirtualInterrupt } from '../../hv/hypercalls/ClearVirtualInterrupt.js';
import type { DriverEnv } from './DriverEnv.js';
import type { KernelPartition } from './KernelPartition.js';
import { plan } from './plan.js';
import { HV_X64_INTERRUPT_TYPE_EXTINT, routedIrq } from './routedIrq.js';

/** The op name resampler acks carry in the log. */
export const IRQFD_RESAMPLE_ACK = 'irqfd-resample-ack';

/**
 * The guest acknowledged `gsi` (mshv_irqfd_resampler_ack, called by the ISR for an APIC EOI whose
 * vector matches, inventory §c.8, §c.11): for every resampling irqfd on that gsi, newest first as the
 * kernel's list runs, CLEAR_VIRTUAL_INTERRUPT (fast8) when the route is ExtINT, then signal its
 * resample eventfd. Returns the resample eventfds to signal, in order.
 *
 * @example
 * ackIrqfdResample(env, pt, 5); // [6]
 */
export function ackIrqfdResample(env: DriverEnv, pt: KernelPartition, gsi: number): number[] {
  const signalled: number[] = [];
  for (const f of [...pt.irqfds].reverse()) {
    if (f.gsi !== gsi || f.resamplefd === undefined) continue;
    if (routedIrq(pt, gsi).irq.interruptType === HV_X64_INTERRUPT_TYPE_EXTINT)
      env.exec(plan(ClearVirtualInterrupt, { partitionId: pt.id }, IRQFD_RESAMPLE_ACK));
    signalled.push(f.resamplefd);
  }
  return signalled;
}
