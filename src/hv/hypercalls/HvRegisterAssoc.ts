import { Layout, bytes, reserved, u32 } from '../Layout.js';

/**
 * hv_register_assoc (32 bytes): one SET_VP_REGISTERS element. `value` is the 16-byte
 * hv_register_value union, kept as raw bytes (little-endian; a u64 register uses the first 8).
 */
export const HvRegisterAssoc = new Layout('hv_register_assoc', 32, [
  u32('name', 0),
  reserved('reserved1', 4, 4),
  reserved('reserved2', 8, 8),
  bytes('value', 16, 16),
] as const);

/** HV_REGISTER_* names the driver itself reads or writes (inventory §c.6, §c.12). */
export const HvRegisterName = {
  EXPLICIT_SUSPEND: 0x0,
  INTERCEPT_SUSPEND: 0x1,
  DISPATCH_SUSPEND: 0x3,
  VP_ROOT_SIGNAL_COUNT: 0x0009_0014,
} as const;
