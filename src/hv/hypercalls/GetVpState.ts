import type { HypercallDef } from '../Hypercall.js';
import { HypercallCode } from '../HypercallCode.js';
import { Layout, bytes, reserved, u32, u64, u8 } from '../Layout.js';
import { embed } from './embed.js';
import { HvVpStateData } from './HvVpStateData.js';

/** hv_input_get_vp_state (40 bytes incl. hv_vp_state_data at 16); PFNs follow as the variable header. */
export const GetVpStateInput = new Layout('hv_input_get_vp_state', 40, [
  u64('partitionId', 0),
  u32('vpIndex', 8),
  u8('inputVtl', 12),
  reserved('rsvd0', 13, 1),
  reserved('rsvd1', 14, 2),
  ...embed('stateData', 16, HvVpStateData),
] as const);

/** hv_synthetic_timers_state (200 bytes): the output when the type is not PFN-based. */
export const HvSyntheticTimersState = new Layout('hv_synthetic_timers_state', 200, [
  bytes('timers', 0, 160),
  reserved('reserved', 160, 40),
] as const);

/**
 * HVCALL_GET_VP_STATE (0x00E3, simple with a variable header of page_count u64 PFNs, ≤ 507):
 * MSHV_GET_VP_STATE. The wrapper zeroes the output page although the review called it unnecessary
 * (review point e.8); the model does not, since the hypervisor writes the whole output on success
 * and the driver reads none on failure. 1-page deposit per retry.
 */
export const GetVpState = {
  name: 'GET_VP_STATE',
  code: HypercallCode.GET_VP_STATE,
  kind: 'simple',
  input: GetVpStateInput,
  varHeadElement: { name: 'outputDataPfn', size: 8 },
  output: HvSyntheticTimersState,
  doc: 'Read VP state (LAPIC, XSAVE, SynIC pages by PFN; synthetic timers as bytes).',
} as const satisfies HypercallDef;
