import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { partitionId } from '../../../src/hv/ids.js';
import type { DriverEnv } from '../../../src/pipeline/driver/DriverEnv.js';
import { KernelPartition } from '../../../src/pipeline/driver/KernelPartition.js';
import { setMsiRouting } from '../../../src/pipeline/driver/msiRouting.js';
import { decodeMsiRoute, routedIrq } from '../../../src/pipeline/driver/routedIrq.js';
import type { UserIrqEntry } from '../../../src/ports/DevicePort.js';

const facts = JSON.parse(readFileSync('test/fixtures/mshv-facts.json', 'utf8')) as {
  limits: { MSHV_MAX_GUEST_IRQS: number };
};
const MAX = facts.limits.MSHV_MAX_GUEST_IRQS;
// Routing issues no hypercall: the routine must not touch the env at all.
const env = {} as DriverEnv;
const route = (gsi: number, data = 0x31): UserIrqEntry => ({
  gsi,
  addressLo: 0xfee0_0000,
  addressHi: 0,
  data,
});

function withTable(entries: readonly UserIrqEntry[]) {
  const pt = new KernelPartition(3, partitionId(7n), 0n);
  expect(setMsiRouting(env, pt, entries, 0).ok).toBe(true);
  return pt;
}

describe('MSHV_SET_MSI_ROUTING (inventory §c.11, §d)', () => {
  it.each([
    ['nr > MSHV_MAX_GUEST_IRQS', Array.from({ length: MAX + 1 }, (_, i) => route(i % MAX)), 0],
    ['rsvd != 0', [route(1)], 1],
    ['gsi >= 4096', [route(1), route(MAX)], 0],
    ['address_hi != 0', [{ ...route(2), addressHi: 1 }], 0],
    ['a duplicate gsi', [route(9), route(3), route(9)], 0],
    ['a duplicate gsi 0 (upstream fix of the guest_irq_num test)', [route(0), route(0, 0x41)], 0],
  ] as const)('rejects %s with EINVAL and keeps the old table', (_rule, entries, rsvd) => {
    const pt = withTable([route(5)]);
    const before = pt.msiRouting;
    const r = setMsiRouting(env, pt, entries, rsvd);
    expect(r.ok ? 0 : r.error.errnoName).toBe('EINVAL');
    expect(pt.msiRouting).toBe(before);
  });

  it('accepts exactly MSHV_MAX_GUEST_IRQS entries, gsi 0 to 4095', () => {
    const pt = withTable(Array.from({ length: MAX }, (_, i) => route(MAX - 1 - i)));
    expect(pt.msiRouting?.length).toBe(MAX);
    expect(pt.msiRouting?.[0]?.gsi).toBe(0);
  });

  it('replaces the table whole: a gsi of the old table is gone after the swap', () => {
    const pt = withTable([route(1), route(2)]);
    expect(setMsiRouting(env, pt, [route(7, 0x55)], 0).ok).toBe(true);
    expect(pt.msiRouting?.map((r) => r.gsi)).toEqual([7]);
    expect(routedIrq(pt, 1).valid).toBe(false);
    expect(routedIrq(pt, 7).irq.vector).toBe(0x55);
  });

  it('installs the empty (null) table for nr = 0', () => {
    const pt = withTable([route(1)]);
    expect(setMsiRouting(env, pt, [], 0).ok).toBe(true);
    expect(pt.msiRouting).toBeNull();
  });

  it('looks a gsi up as the kernel table does: past the end keeps the gsi, an empty slot is all zero', () => {
    const pt = withTable([route(4)]);
    expect(routedIrq(pt, 9)).toMatchObject({ guestIrqNum: 9, valid: false });
    expect(routedIrq(pt, 2)).toMatchObject({ guestIrqNum: 0, valid: false, irq: { vector: 0 } });
    expect(routedIrq(pt, 4)).toMatchObject({ guestIrqNum: 4, valid: true, irq: { vector: 0x31 } });
  });

  it('decodes vector data[7:0], APIC id address_lo[19:12], type data[10:8], level bit 15, logical bit 2', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xffff_ffff }),
        fc.integer({ min: 0, max: 0xffff_ffff }),
        (lo, data) => {
          const irq = decodeMsiRoute({ gsi: 0, addressLo: lo, addressHi: 0, data });
          expect(irq).toEqual({
            vector: data % 256,
            apicId: Math.floor(lo / 4096) % 256,
            interruptType: Math.floor(data / 256) % 8,
            levelTriggered: Math.floor(data / 32768) % 2 === 1,
            logicalDestMode: Math.floor(lo / 4) % 2 === 1,
          });
        },
      ),
    );
  });
});
