import { HV_STATS_AREA, HV_STATS_OBJECT } from '../../hv/flags/HvStats.js';
import { UnmapStatsPage } from '../../hv/hypercalls/UnmapStatsPage.js';
import { UnmapVpStatePage } from '../../hv/hypercalls/UnmapVpStatePage.js';
import type { DriverEnv } from './DriverEnv.js';
import type { KernelPartition, KernelVp } from './KernelPartition.js';
import { plan } from './plan.js';

/** Stats areas in the order they are mapped and unmapped (self, then parent when distinct: mshv_vp_stats_unmap). */
const STATS_AREAS = [HV_STATS_AREA.SELF, HV_STATS_AREA.PARENT] as const;

/**
 * Release a VP's hypervisor mappings at teardown (inventory §c.12 step 2, NEW): unmap its stats pages
 * (self, then parent, as mshv_vp_stats_unmap does), then its VP state pages (registers, intercept
 * message, GHCB), each only if it was mapped. No DELETE_VP is issued: FINALIZE_PARTITION releases
 * VPs. Leaving one of these mapped is the leak that failed hosts after ~2,040 VMs
 * (vmm-lifecycle-rules, rust-vmm/mshv issue 194).
 *
 * @example
 * releaseVp(env, pt, vp);
 */
export function releaseVp(env: DriverEnv, pt: KernelPartition, vp: KernelVp): void {
  unmapStatsPages(env, pt, vp, 'MSHV_RELEASE');
  for (const type of [...vp.statePages.keys()].sort((a, b) => a - b)) {
    env.exec(
      plan(UnmapVpStatePage, { partitionId: pt.id, vpIndex: vp.index, type, inputVtl: 0 }, 'MSHV_RELEASE'),
    );
    vp.statePages.delete(type);
  }
}

/**
 * UNMAP_STATS_PAGE for each mapped stats area of the VP: self, then parent (inventory §c.5 unwind and
 * §c.12; the kernel's mshv_vp_stats_unmap order, also on the creation error path).
 *
 * @example
 * unmapStatsPages(env, pt, vp, 'MSHV_RELEASE'); vp.statsPages.size; // 0
 */
export function unmapStatsPages(env: DriverEnv, pt: KernelPartition, vp: KernelVp, op: string): void {
  for (const area of STATS_AREAS) {
    if (!vp.statsPages.has(area)) continue;
    env.exec(plan(UnmapStatsPage, statsHeader(pt, vp.index, area), op));
    vp.statsPages.delete(area);
  }
}

/**
 * The MAP/UNMAP_STATS_PAGE input for a VP's stats area (hv_stats_object_identity.vp).
 *
 * @example
 * statsHeader(pt, 2, HV_STATS_AREA.PARENT);
 * // { type: HV_STATS_OBJECT.VP, identityPartitionId: pt.id, identityVpIndex: 2, identityFlags: 0,
 * //   identityStatsAreaType: 1 }
 */
export function statsHeader(pt: KernelPartition, vpIndex: number, area: number): Record<string, unknown> {
  return {
    type: HV_STATS_OBJECT.VP,
    identityPartitionId: pt.id,
    identityVpIndex: vpIndex,
    identityFlags: 0,
    identityStatsAreaType: area,
  };
}
