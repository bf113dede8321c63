/**
 * One MSI route (struct mshv_user_irq_entry): `data` bits 7:0 are the vector, `addressLo` bits 19:12
 * the destination APIC id (inventory §c.11).
 *
 * @example
 * partition.setMsiRouting([{ gsi: 24, addressLo: 0xfee0_0000, data: 0x30 }]);
 */
export interface MsiRoute {
  readonly gsi: number;
  readonly addressLo: number;
  /** Must be 0 (inventory §c.11); absent means 0. */
  readonly addressHi?: number;
  readonly data: number;
}
