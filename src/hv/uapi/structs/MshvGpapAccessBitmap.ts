import { Layout, reserved, u64, u8 } from '../../Layout.js';

/**
 * struct mshv_gpap_access_bitmap (32 bytes), the MSHV_GET_GPAP_ACCESS_BITMAP argument (inventory
 * §a.4). `accessType` is MSHV_GPAP_ACCESS_TYPE_*, `accessOp` MSHV_GPAP_ACCESS_OP_*; `bitmapPtr`
 * points at ≥ ceil(pageCount / 8) bytes; `rsvd` must be zero.
 *
 * @example
 * MshvGpapAccessBitmap.encode(
 *   { accessType: 1, accessOp: 1, pageCount: 512n, gpapBase: 0n, bitmapPtr: 0x1000n },
 *   new DataView(new ArrayBuffer(32)),
 * );
 */
export const MshvGpapAccessBitmap = new Layout('mshv_gpap_access_bitmap', 32, [
  u8('accessType', 0),
  u8('accessOp', 1),
  reserved('rsvd', 2, 6),
  u64('pageCount', 8),
  u64('gpapBase', 16),
  u64('bitmapPtr', 24),
] as const);
