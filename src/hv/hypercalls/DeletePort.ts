import type { HypercallDef } from '../Hypercall.js';
import { HypercallCode } from '../HypercallCode.js';
import { Layout, reserved, u32, u64 } from '../Layout.js';

/** hv_input_delete_port, fast16: the 16 register bytes. */
export const DeletePortInput = new Layout('hv_input_delete_port', 16, [
  u64('portPartitionId', 0),
  u32('portId', 8),
  reserved('reserved', 12, 4),
] as const);

/**
 * HVCALL_DELETE_PORT (0x0058, fast16): doorbell teardown after DISCONNECT_PORT, and the registration
 * error path. Fast: no IRQ disabling (review point e.10).
 */
export const DeletePort = {
  name: 'DELETE_PORT',
  code: HypercallCode.DELETE_PORT,
  kind: 'fast16',
  input: DeletePortInput,
  doc: 'Delete a doorbell port (ioeventfd teardown).',
} as const satisfies HypercallDef;
