import { Layout, reserved, u32, u64 } from '../Layout.js';

/** hv_vp_state_data (24 bytes): the state type and, for XSAVE, the flags and component mask. */
export const HvVpStateData = new Layout('hv_vp_state_data', 24, [
  u32('type', 0),
  reserved('rsvd', 4, 4),
  u64('xsaveFlags', 8),
  u64('xsaveStates', 16),
] as const);

/**
 * HV_GET/SET_VP_STATE_BATCH_SIZE = (4096 − 40) / 8 = 507 PFNs after the 40-byte header; the wrapper
 * returns -EINVAL for more (inventory §b.5, §c.7).
 */
export const VP_STATE_PAGES_MAX = 507;
