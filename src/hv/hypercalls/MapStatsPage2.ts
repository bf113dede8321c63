import type { HypercallDef } from '../Hypercall.js';
import { HypercallCode } from '../HypercallCode.js';
import { Layout, u32, u64 } from '../Layout.js';
import { embed } from './embed.js';
import { HvStatsObjectIdentity } from './HvStatsObjectIdentity.js';

/** hv_input_map_stats_page2 (32 bytes): MAP_STATS_PAGE's input plus the caller's page. */
export const MapStatsPage2Input = new Layout('hv_input_map_stats_page2', 32, [
  u32('type', 0),
  ...embed('identity', 8, HvStatsObjectIdentity),
  u64('mapLocation', 24),
] as const);

/**
 * HVCALL_MAP_STATS_PAGE2 (0x0131, simple; MID/NEW): map a statistics page onto a page the driver
 * allocated, when the hypervisor wants overlay GPFNs (L1VH); 1-page deposit into the root per retry.
 */
export const MapStatsPage2 = {
  name: 'MAP_STATS_PAGE2',
  code: HypercallCode.MAP_STATS_PAGE2,
  kind: 'simple',
  input: MapStatsPage2Input,
  doc: 'Map a statistics page at a caller-supplied overlay GPFN.',
} as const satisfies HypercallDef;
