import type { HypercallDef } from '../Hypercall.js';
import { HypercallCode } from '../HypercallCode.js';
import { Layout, u16, u32, u64, u8 } from '../Layout.js';

/** flags bit 0: map_location_provided (the overlay GPFN case, L1VH); bits 1–7 reserved. */
export const MAP_LOCATION_PROVIDED = 0x1;

/**
 * hv_input_map_vp_state_page (24 bytes). The ORIG wrapper did not memset this input (review point
 * e.2); MID zeroes it and sets the overlay flag and location.
 */
export const MapVpStatePageInput = new Layout('hv_input_map_vp_state_page', 24, [
  u64('partitionId', 0),
  u32('vpIndex', 8),
  u16('type', 12),
  u8('inputVtl', 14),
  u8('flags', 15, 0xfen),
  u64('requestedMapLocation', 16),
] as const);

/** hv_output_map_vp_state_page: the PFN where the page is mapped. */
export const MapVpStatePageOutput = new Layout('hv_output_map_vp_state_page', 8, [
  u64('mapLocation', 0),
] as const);

/**
 * HVCALL_MAP_VP_STATE_PAGE (0x00E1, simple): VP creation maps the intercept-message page, then the
 * register page (non-SNP) or GHCB (SNP with the root-mapping feature); 1-page deposit per retry.
 */
export const MapVpStatePage = {
  name: 'MAP_VP_STATE_PAGE',
  code: HypercallCode.MAP_VP_STATE_PAGE,
  kind: 'simple',
  input: MapVpStatePageInput,
  output: MapVpStatePageOutput,
  doc: 'Map a VP state page (intercept message, registers, GHCB) at VP creation.',
} as const satisfies HypercallDef;
