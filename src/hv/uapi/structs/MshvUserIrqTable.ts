import { Layout, reserved, u32 } from '../../Layout.js';

/**
 * struct mshv_user_irq_entry (16 bytes): one MSI route (inventory §a.4). The driver requires
 * `gsi` < MSHV_MAX_GUEST_IRQS and `addressHi` = 0 (§d).
 *
 * @example
 * MshvUserIrqEntry.encode({ gsi: 1, addressLo: 0xfee0_0000, addressHi: 0, data: 0x31 }, new DataView(new ArrayBuffer(16)));
 */
export const MshvUserIrqEntry = new Layout('mshv_user_irq_entry', 16, [
  u32('gsi', 0),
  u32('addressLo', 4),
  u32('addressHi', 8),
  u32('data', 12),
] as const);

/**
 * struct mshv_user_irq_table: the 8-byte header of the MSHV_SET_MSI_ROUTING argument; `nr`
 * mshv_user_irq_entry records follow at offset 8 (a flexible array, so the request number encodes
 * only the header size). `rsvd` must be zero.
 *
 * @example
 * MshvUserIrqTable.encode({ nr: 2 }, new DataView(new ArrayBuffer(mshvUserIrqTableBytes(2))));
 */
export const MshvUserIrqTable = new Layout('mshv_user_irq_table', 8, [
  u32('nr', 0),
  reserved('rsvd', 4, 4),
] as const);

/**
 * Bytes of a routing table with `entryCount` entries: header plus entries.
 *
 * @example
 * mshvUserIrqTableBytes(4096); // 65544
 */
export function mshvUserIrqTableBytes(entryCount: number): number {
  if (!Number.isSafeInteger(entryCount) || entryCount < 0) {
    throw new RangeError(`mshv_user_irq_table.nr: ${entryCount} is not a non-negative integer`);
  }
  return MshvUserIrqTable.size + entryCount * MshvUserIrqEntry.size;
}
