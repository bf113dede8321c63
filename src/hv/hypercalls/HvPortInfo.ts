import { Layout, reserved, u32 } from '../Layout.js';

/**
 * hv_port_info (24 bytes), modelled as its doorbell variant (the only port type mshv_root creates).
 * `padding` @4 is an unnamed gap.
 */
export const HvPortInfo = new Layout('hv_port_info', 24, [
  u32('portType', 0),
  u32('doorbellTargetSint', 8),
  u32('doorbellTargetVp', 12),
  reserved('doorbell.rsvdz', 16, 8),
] as const);
