import type { HypercallDef } from '../Hypercall.js';
import { HV_PAGE_SIZE } from '../Page.js';
import { HypercallCode } from '../HypercallCode.js';
import { Layout, reserved, u32, u64, u8 } from '../Layout.js';
import { embed } from './embed.js';
import { HvVpStateData } from './HvVpStateData.js';

/** hv_input_set_vp_state (40 bytes incl. hv_vp_state_data at 16); PFNs or raw bytes follow. */
export const SetVpStateInput = new Layout('hv_input_set_vp_state', 40, [
  u64('partitionId', 0),
  u32('vpIndex', 8),
  u8('inputVtl', 12),
  reserved('rsvd0', 13, 1),
  reserved('rsvd1', 14, 2),
  ...embed('stateData', 16, HvVpStateData),
] as const);

/** Raw-bytes mode: header + bytes must fit the page (40 + bytes ≤ 4096), else -EINVAL. */
export const SET_VP_STATE_BYTES_MAX = HV_PAGE_SIZE - SetVpStateInput.size;

/**
 * HVCALL_SET_VP_STATE (0x00E4, simple with a variable header: page_count PFNs (≤ 507) or
 * ceil(bytes/8) qwords of raw state): MSHV_SET_VP_STATE; 1-page deposit per retry.
 */
export const SetVpState = {
  name: 'SET_VP_STATE',
  code: HypercallCode.SET_VP_STATE,
  kind: 'simple',
  input: SetVpStateInput,
  varHeadElement: { name: 'pfnOrQword', size: 8 },
  doc: 'Write VP state (PFNs, or raw bytes for synthetic timers).',
} as const satisfies HypercallDef;
