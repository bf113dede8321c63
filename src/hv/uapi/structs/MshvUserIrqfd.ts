import { Layout, u32 } from '../../Layout.js';

/**
 * struct mshv_user_irqfd (16 bytes), the MSHV_IRQFD argument (inventory §a.4, §c.11).
 * `fd` and `resamplefd` are `__s32` in C; they are held here as their u32 two's complement
 * (see `s32ToU32` / `u32ToS32` in ./s32.ts). `flags` holds MSHV_IRQFD_BIT_*.
 *
 * @example
 * MshvUserIrqfd.encode({ fd: 7, resamplefd: s32ToU32(-1), gsi: 24, flags: 0 }, new DataView(new ArrayBuffer(16)));
 */
export const MshvUserIrqfd = new Layout('mshv_user_irqfd', 16, [
  u32('fd', 0),
  u32('resamplefd', 4),
  u32('gsi', 8),
  u32('flags', 12),
] as const);
