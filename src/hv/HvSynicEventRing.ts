import { Layout, bytes, reserved, u8 } from './Layout.js';

/** HV_SYNIC_EVENT_RING_MESSAGE_COUNT: u32 slots in one SINT's event ring (facts limits). */
export const EVENT_RING_SLOTS = 63;

/**
 * struct hv_synic_event_ring (256 bytes, facts hv_structs): the per-CPU, per-SINT ring through which
 * the hypervisor hands the root the ids of signalled doorbell ports (inventory §c.11). The hypervisor
 * writes port ids at its head; the root consumes at its own tail and zeroes each slot it takes.
 * `signalMasked` set by the root asks the hypervisor not to notify (SINT_INTERCEPT) for new entries;
 * `ringFull` set by the hypervisor says a signal found no free slot and waits for
 * NOTIFY_PORT_RING_EMPTY. `data` holds the 63 u32 slots, 0 meaning empty.
 */
export const HvSynicEventRing = new Layout('hv_synic_event_ring', 256, [
  u8('signalMasked', 0),
  u8('ringFull', 1),
  reserved('reservedZ', 2, 2),
  bytes('data', 4, EVENT_RING_SLOTS * 4),
] as const);

/** Byte offsets inside hv_synic_event_ring, for in-place reads and writes. */
export const EVENT_RING_SIGNAL_MASKED_OFFSET = 0;
export const EVENT_RING_FULL_OFFSET = 1;
export const EVENT_RING_DATA_OFFSET = 4;

/**
 * The u32 in slot `slot` (0..62) of a ring's bytes; 0 is an empty slot. Throws a RangeError for a
 * slot outside the ring (a broken tail).
 *
 * @example
 * eventRingSlot(ringBytes, 0); // 7: port 7 was signalled
 */
export function eventRingSlot(ring: Uint8Array, slot: number): number {
  if (!Number.isInteger(slot) || slot < 0 || slot >= EVENT_RING_SLOTS)
    throw new RangeError(`event ring slot ${slot} is not in [0, ${EVENT_RING_SLOTS})`);
  return new DataView(ring.buffer, ring.byteOffset, ring.byteLength).getUint32(
    EVENT_RING_DATA_OFFSET + slot * 4,
    true,
  );
}
