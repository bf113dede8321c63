import { Layout, reserved, u32, u64, u8 } from '../../Layout.js';

/**
 * struct mshv_get_set_vp_state (16 bytes), the MSHV_GET_VP_STATE / MSHV_SET_VP_STATE argument
 * (inventory §a.4, §c.7). `type` is MSHV_VP_STATE_*; `bufSz` is the page-aligned buffer size in and
 * the required size out (written back before the size check); `bufPtr` is page aligned; `rsvd` must
 * be zero.
 *
 * @example
 * MshvGetSetVpState.encode({ type: 0, bufSz: 4096, bufPtr: 0x1000n }, new DataView(new ArrayBuffer(16)));
 */
export const MshvGetSetVpState = new Layout('mshv_get_set_vp_state', 16, [
  u8('type', 0),
  reserved('rsvd', 1, 3),
  u32('bufSz', 4),
  u64('bufPtr', 8),
] as const);
