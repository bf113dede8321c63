import type { KernelPartition, MsiRoute } from './KernelPartition.js';

/** HV_X64_INTERRUPT_TYPE_EXTINT: the resampler ack clears it with CLEAR_VIRTUAL_INTERRUPT. */
export const HV_X64_INTERRUPT_TYPE_EXTINT = 7;

/** struct mshv_lapic_irq (x86): what ASSERT_VIRTUAL_INTERRUPT is built from. */
export interface LapicIrq {
  readonly vector: number;
  readonly apicId: number;
  /** hv_interrupt_type (data[10:8]). */
  readonly interruptType: number;
  readonly levelTriggered: boolean;
  readonly logicalDestMode: boolean;
}

/** A GSI's routing-table entry as an irqfd sees it (mshv_ret_girq_entry). */
export interface GirqEntry {
  /** The slot's gsi; 0 for an empty slot inside the table. */
  readonly guestIrqNum: number;
  readonly valid: boolean;
  /** Decoded route; all zero when the entry is not valid (mshv_copy_girq_info memsets first). */
  readonly irq: LapicIrq;
}

const ZERO_IRQ: LapicIrq = {
  vector: 0,
  apicId: 0,
  interruptType: 0,
  levelTriggered: false,
  logicalDestMode: false,
};

/**
 * Decode an MSI route (inventory §c.11, x86): vector = data[7:0], APIC id = address_lo[19:12],
 * type = data[10:8], level = data bit 15, logical destination = address_lo bit 2.
 *
 * @example
 * decodeMsiRoute({ gsi: 5, addressLo: 0xfee0_3004, addressHi: 0, data: 0x8031 }); // vector 0x31, APIC 3, level, logical
 */
export function decodeMsiRoute(route: MsiRoute): LapicIrq {
  return {
    vector: route.data & 0xff,
    apicId: (route.addressLo >>> 12) & 0xff,
    interruptType: (route.data >>> 8) & 0x7,
    levelTriggered: ((route.data >>> 15) & 1) === 1,
    logicalDestMode: ((route.addressLo >>> 2) & 1) === 1,
  };
}

/**
 * The entry for `gsi`: no table, or a gsi past its end (size = largest gsi + 1), gives an invalid
 * entry that keeps the gsi; a slot inside the table with no route gives an all-zero entry.
 *
 * @example
 * routedIrq(pt, 5).valid; // true once a route for gsi 5 is installed
 */
export function routedIrq(pt: KernelPartition, gsi: number): GirqEntry {
  const table = pt.msiRouting;
  const last = table?.at(-1);
  if (table === null || last === undefined || gsi > last.gsi)
    return { guestIrqNum: gsi, valid: false, irq: ZERO_IRQ };
  const route = table.find((r) => r.gsi === gsi);
  if (route === undefined) return { guestIrqNum: 0, valid: false, irq: ZERO_IRQ };
  return { guestIrqNum: gsi, valid: true, irq: decodeMsiRoute(route) };
}

/**
 * union hv_interrupt_control (x86): interrupt_type in bits 0–31, level_triggered bit 32,
 * logical_dest_mode bit 33.
 *
 * @example
 * interruptControl({ vector: 0x31, apicId: 0, interruptType: 0, levelTriggered: true, logicalDestMode: false }); // 0x1_0000_0000n
 */
export function interruptControl(irq: LapicIrq): bigint {
  return (
    BigInt(irq.interruptType >>> 0) |
    (irq.levelTriggered ? 1n << 32n : 0n) |
    (irq.logicalDestMode ? 1n << 33n : 0n)
  );
}
