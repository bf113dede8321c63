import { describe, expect, it } from 'vitest';
import { EVENT_RING_SLOTS, HvSynicEventRing, eventRingSlot } from '../../src/hv/HvSynicEventRing.js';
import { loadHypercallFacts } from './hypercalls/facts.js';
import { layoutMismatches } from './hypercalls/layoutFacts.js';

const facts = loadHypercallFacts();

describe('hv_synic_event_ring (inventory §c.11)', () => {
  it('matches the facts struct: 256 bytes, signal_masked @0, ring_full @1, reserved @2, data u32[63] @4', () => {
    expect(layoutMismatches(facts.hv_structs, HvSynicEventRing)).toEqual([]);
    expect([HvSynicEventRing.size, EVENT_RING_SLOTS]).toEqual([256, 63]);
  });

  it('reads a slot little-endian and refuses a slot outside the ring (a broken tail)', () => {
    const ring = new Uint8Array(256);
    new DataView(ring.buffer).setUint32(4 + 62 * 4, 0x1234_5678, true);
    expect(eventRingSlot(ring, 62)).toBe(0x1234_5678);
    expect(() => eventRingSlot(ring, 63)).toThrow(/not in \[0, 63\)/);
    expect(() => eventRingSlot(ring, -1)).toThrow(RangeError);
  });
});
