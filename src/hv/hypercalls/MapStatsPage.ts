import type { HypercallDef } from '../Hypercall.js';
import { HypercallCode } from '../HypercallCode.js';
import { Layout, u32, u64 } from '../Layout.js';
import { embed } from './embed.js';
import { HvStatsObjectIdentity } from './HvStatsObjectIdentity.js';

/** hv_input_map_stats_page (24 bytes); `padding` @4 is an unnamed gap. Also UNMAP_STATS_PAGE's input. */
export const MapStatsPageInput = new Layout('hv_input_map_stats_page', 24, [
  u32('type', 0),
  ...embed('identity', 8, HvStatsObjectIdentity),
] as const);

/** The PFN of the mapped statistics page. */
export const MapStatsPageOutput = new Layout('hv_output_map_stats_page', 8, [u64('mapLocation', 0)] as const);

/**
 * HVCALL_MAP_STATS_PAGE (0x006C, simple): VP creation maps the VP object's SELF and PARENT areas
 * (the run loop reads RootDispatchThreadBlocked from them); 1-page deposit into the root per retry.
 */
export const MapStatsPage = {
  name: 'MAP_STATS_PAGE',
  code: HypercallCode.MAP_STATS_PAGE,
  kind: 'simple',
  input: MapStatsPageInput,
  output: MapStatsPageOutput,
  doc: 'Map a hypervisor statistics page (per-VP SELF and PARENT areas).',
} as const satisfies HypercallDef;
