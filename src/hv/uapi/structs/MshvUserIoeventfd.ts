import { Layout, reserved, u32, u64 } from '../../Layout.js';

/**
 * struct mshv_user_ioeventfd (32 bytes), the MSHV_IOEVENTFD argument (inventory §a.4, §c.11).
 * `len` is 0, 1, 2, 4 or 8; `fd` is `__s32` held as u32 two's complement (./s32.ts); `flags` holds
 * MSHV_IOEVENTFD_BIT_*; `rsvd` must be zero.
 *
 * @example
 * MshvUserIoeventfd.encode(
 *   { datamatch: 0n, addr: 0xfee0_0000n, len: 4, fd: 9, flags: 0 },
 *   new DataView(new ArrayBuffer(32)),
 * );
 */
export const MshvUserIoeventfd = new Layout('mshv_user_ioeventfd', 32, [
  u64('datamatch', 0),
  u64('addr', 8),
  u32('len', 16),
  u32('fd', 20),
  u32('flags', 24),
  reserved('rsvd', 28, 4),
] as const);
