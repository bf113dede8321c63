import type { HypercallDef } from '../Hypercall.js';
import { HypercallCode } from '../HypercallCode.js';
import { MapStatsPageInput } from './MapStatsPage.js';

/**
 * HVCALL_UNMAP_STATS_PAGE (0x006D, simple): VP teardown and error unwinding. Same 24-byte input as
 * MAP_STATS_PAGE (facts name it hv_input_map_stats_page); NEW also passes the page in overlay mode.
 */
export const UnmapStatsPage = {
  name: 'UNMAP_STATS_PAGE',
  code: HypercallCode.UNMAP_STATS_PAGE,
  kind: 'simple',
  input: MapStatsPageInput,
  doc: 'Unmap a statistics page (VP teardown).',
} as const satisfies HypercallDef;
