import type { HypercallDef } from '../Hypercall.js';
import { HypercallCode } from '../HypercallCode.js';
import { Layout, reserved, u32, u64 } from '../Layout.js';

/** hv_input_delete_vp, fast16: the 16 register bytes (RDX, R8). */
export const DeleteVpInput = new Layout('hv_input_delete_vp', 16, [
  u64('partitionId', 0),
  u32('vpIndex', 8),
  reserved('reserved', 12, 4),
] as const);

/**
 * HVCALL_DELETE_VP (0x004F, fast16): issued only on the CREATE_VP error path; teardown frees VPs with
 * FINALIZE_PARTITION instead (inventory §c.12). Fast: no IRQ disabling (review point e.10).
 */
export const DeleteVp = {
  name: 'DELETE_VP',
  code: HypercallCode.DELETE_VP,
  kind: 'fast16',
  input: DeleteVpInput,
  doc: 'Delete a VP (only when MSHV_CREATE_VP fails after CREATE_VP).',
} as const satisfies HypercallDef;
