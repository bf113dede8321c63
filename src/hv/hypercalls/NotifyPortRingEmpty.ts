import type { HypercallDef } from '../Hypercall.js';
import { HypercallCode } from '../HypercallCode.js';
import { Layout, reserved, u32 } from '../Layout.js';

/** hv_input_notify_port_ring_empty, fast8: the 8 register bytes. */
export const NotifyPortRingEmptyInput = new Layout('hv_input_notify_port_ring_empty', 8, [
  u32('sintIndex', 0),
  reserved('reserved', 4, 4),
] as const);

/**
 * HVCALL_NOTIFY_PORT_RING_EMPTY (0x008B, fast8): the ISR found the SINT-5 event ring empty with
 * ring_full set, cleared it, and tells the hypervisor (inventory §c.11). Fast: no IRQ disabling
 * (review point e.10).
 */
export const NotifyPortRingEmpty = {
  name: 'NOTIFY_PORT_RING_EMPTY',
  code: HypercallCode.NOTIFY_PORT_RING_EMPTY,
  kind: 'fast8',
  input: NotifyPortRingEmptyInput,
  doc: 'Tell the hypervisor a doorbell event ring was drained.',
} as const satisfies HypercallDef;
