import type { HypercallDef } from '../Hypercall.js';
import { HypercallCode } from '../HypercallCode.js';
import { Layout, reserved, u16, u32, u64, u8 } from '../Layout.js';

/** hv_input_unmap_vp_state_page (16 bytes). */
export const UnmapVpStatePageInput = new Layout('hv_input_unmap_vp_state_page', 16, [
  u64('partitionId', 0),
  u32('vpIndex', 8),
  u16('type', 12),
  u8('inputVtl', 14),
  reserved('reserved0', 15, 1),
] as const);

/** HVCALL_UNMAP_VP_STATE_PAGE (0x00E2, simple): VP teardown and VP-creation error paths. */
export const UnmapVpStatePage = {
  name: 'UNMAP_VP_STATE_PAGE',
  code: HypercallCode.UNMAP_VP_STATE_PAGE,
  kind: 'simple',
  input: UnmapVpStatePageInput,
  doc: 'Unmap a VP state page (VP teardown, error unwinding).',
} as const satisfies HypercallDef;
