import type { HypercallDef } from '../Hypercall.js';
import { HypercallCode } from '../HypercallCode.js';
import { Layout, u32, u64 } from '../Layout.js';

/** Bit 0 of the last u32: is_doorbell; bits 1–31 are reserved. */
export const DISCONNECT_IS_DOORBELL = 0x1;

/** hv_input_disconnect_port, fast16: `isDoorbell` is the whole u32 with bits 1–31 reserved. */
export const DisconnectPortInput = new Layout('hv_input_disconnect_port', 16, [
  u64('connectionPartitionId', 0),
  u32('connectionId', 8),
  u32('isDoorbell', 12, 0xffff_fffen),
] as const);

/**
 * HVCALL_DISCONNECT_PORT (0x005B, fast16): doorbell teardown, before DELETE_PORT, with is_doorbell = 1.
 * Fast: no IRQ disabling (review point e.10).
 */
export const DisconnectPort = {
  name: 'DISCONNECT_PORT',
  code: HypercallCode.DISCONNECT_PORT,
  kind: 'fast16',
  input: DisconnectPortInput,
  doc: 'Disconnect a guest from a doorbell port (ioeventfd teardown).',
} as const satisfies HypercallDef;
