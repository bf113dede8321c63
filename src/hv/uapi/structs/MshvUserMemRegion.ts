import { Layout, reserved, u64, u8 } from '../../Layout.js';

/**
 * struct mshv_user_mem_region (32 bytes), the MSHV_SET_GUEST_MEMORY argument (inventory §a.4, §c.4).
 * `size` is in bytes and page aligned, `userspaceAddr` page aligned; `flags` holds MSHV_SET_MEM_BIT_*
 * (unknown bits are an -EINVAL the driver model reports, so they are not a layout-level rule);
 * `rsvd` must be zero.
 *
 * @example
 * MshvUserMemRegion.encode(
 *   { size: 0x20_0000n, guestPfn: 0n, userspaceAddr: 0x7f00_0000_0000n, flags: 0b11 },
 *   new DataView(new ArrayBuffer(32)),
 * );
 */
export const MshvUserMemRegion = new Layout('mshv_user_mem_region', 32, [
  u64('size', 0),
  u64('guestPfn', 8),
  u64('userspaceAddr', 16),
  u8('flags', 24),
  reserved('rsvd', 25, 7),
] as const);
