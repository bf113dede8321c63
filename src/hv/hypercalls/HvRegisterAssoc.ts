import { Layout, bytes, reserved, u32 } from '../Layout.js';

/**
 * hv_register_assoc (32 bytes): one SET_VP_REGISTERS element. `value` is the 16-byte hv_register_value
 * union, kept as raw bytes (little-endian; a u64 register uses the first 8). Names: HV_REGISTER in
 * src/hv/flags.
 */
export const HvRegisterAssoc = new Layout('hv_register_assoc', 32, [
  u32('name', 0),
  reserved('reserved1', 4, 4),
  reserved('reserved2', 8, 8),
  bytes('value', 16, 16),
] as const);
