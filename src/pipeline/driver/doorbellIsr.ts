import { HV_PORT_TYPE } from '../../hv/flags/HvPortType.js';
import { HVMSG, SINT } from '../../hv/flags/HvMessageType.js';
import { EVENT_RING_FULL_OFFSET, EVENT_RING_SLOTS, eventRingSlot } from '../../hv/HvSynicEventRing.js';
import { NotifyPortRingEmpty } from '../../hv/hypercalls/NotifyPortRingEmpty.js';
import type { DriverEnv } from './DriverEnv.js';
import { HV_MESSAGE_PAYLOAD_OFFSET, type HvMessageView } from './hvMessage.js';
import type { KernelPartition } from './KernelPartition.js';
import { plan } from './plan.js';
import type { PortIdAllocator } from './portIdAllocator.js';

/** The op name the ISR's NOTIFY_PORT_RING_EMPTY calls carry in the log (they serve no ioctl). */
export const DOORBELL_ISR = 'doorbell-isr';

/**
 * hv_synic_eventring_tail: the driver's read position in each CPU's SINT5 event ring, by CPU number
 * (an absent CPU is at slot 0, as the kernel's zeroed per-CPU array starts). Driver state: it lives
 * with the device, not with any partition.
 */
export type DoorbellRingTails = Map<number, number>;

/** The doorbell callback: port `portId` of `owner` was rung (ioeventfd_mmio_write). */
export type DoorbellCallback = (owner: KernelPartition, portId: number) => void;

/**
 * Take the next port id from this CPU's SINT5 event ring (inventory §c.11), or 0 when it is drained.
 * The slot at the driver's tail is read; when it is empty:
 * - with ring_full set, every entry before it was consumed, so ring_full is cleared, the hypervisor is
 *   told with NOTIFY_PORT_RING_EMPTY (fast8, its status ignored: nothing could be done about it) that
 *   it may move the signals that waited for room, and the slot is read again;
 * - still empty, the ring is unmasked, a barrier makes that visible, and the slot is read one last
 *   time, since the hypervisor may have added an entry without notifying while the ring was masked;
 *   empty again ends the drain, unmasked;
 * - an entry found by those second looks masks the ring again, because the drain goes on and needs
 *   no notification.
 * A taken entry is zeroed and the tail advances, wrapping after slot 62.
 *
 * @example
 * takeQueuedPort(env, tails); // 7, then 0 once the ring is empty
 */
export function takeQueuedPort(env: DriverEnv, tails: DoorbellRingTails): number {
  const { shared } = env;
  const cpu = shared.cpu();
  const tail = tails.get(cpu) ?? 0;
  const read = (): number => eventRingSlot(shared.doorbellRing(), tail);
  let port = read();
  if (port === 0) {
    if (shared.doorbellRing()[EVENT_RING_FULL_OFFSET] !== 0) {
      shared.clearDoorbellRingFull();
      env.exec(plan(NotifyPortRingEmpty, { sintIndex: SINT.DOORBELL }, DOORBELL_ISR));
      port = read();
    }
    if (port === 0) {
      shared.setDoorbellRingSignalMasked(false);
      shared.memoryBarrier();
      port = read();
      if (port === 0) return 0;
    }
    shared.setDoorbellRingSignalMasked(true);
  }
  shared.clearDoorbellRingSlot(tail);
  tails.set(cpu, (tail + 1) % EVENT_RING_SLOTS);
  return port;
}

/**
 * mshv_doorbell_isr (inventory §c.8, §c.11): claim only HVMSG_SYNIC_SINT_INTERCEPT whose notification
 * payload (hv_notification_message_payload: sint_index u32) names the doorbell SINT 5; then drain this
 * CPU's ring with `takeQueuedPort`, looking each port id up in the port table: an id the table does
 * not hold, or that is not a doorbell port, is skipped; otherwise the doorbell callback runs (the
 * ioeventfd's eventfd is signalled). Returns whether the message was a doorbell notification.
 *
 * @example
 * doorbellIsr(env, tails, ports, msg, (pt, id) => signalIoeventfd(pt, id)); // true for SINT 5
 */
export function doorbellIsr(
  env: DriverEnv,
  tails: DoorbellRingTails,
  ports: PortIdAllocator,
  msg: HvMessageView,
  ring: DoorbellCallback,
): boolean {
  if (msg.type !== HVMSG.SYNIC_SINT_INTERCEPT) return false;
  if (msg.view.getUint32(HV_MESSAGE_PAYLOAD_OFFSET, true) !== SINT.DOORBELL) return false;
  // Bounded by the ring and the hypervisor's backlog: each id is taken once.
  for (let port = takeQueuedPort(env, tails); port !== 0; port = takeQueuedPort(env, tails)) {
    const entry = ports.lookup(port);
    if (entry?.portType !== HV_PORT_TYPE.DOORBELL) continue;
    ring(entry.owner, port);
  }
  return true;
}
