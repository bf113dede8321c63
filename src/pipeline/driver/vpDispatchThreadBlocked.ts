import { HV_STATS_AREA, VP_ROOT_DISPATCH_THREAD_BLOCKED_COUNTER } from '../../hv/flags/HvStats.js';
import type { DriverEnv } from './DriverEnv.js';
import type { KernelVp } from './KernelPartition.js';

/** Byte offset of VpRootDispatchThreadBlocked in a VP stats page (`vp_cntrs[]` starts at 0; NEW x86-64). */
export const ROOT_DISPATCH_THREAD_BLOCKED_OFFSET = VP_ROOT_DISPATCH_THREAD_BLOCKED_COUNTER.x86_64 * 8;

/**
 * mshv_vp_dispatch_thread_blocked (inventory §c.6): the VP stats counter RootDispatchThreadBlocked
 * (index 202, NEW x86-64; ORIG used 201) read from the SELF page, or from the PARENT page when SELF
 * reads 0. The root-scheduler kick wait only ends on a kick when this is 0.
 *
 * @example
 * const ready = vp.kickedByHv && !vpDispatchThreadBlocked(env, vp);
 */
export function vpDispatchThreadBlocked(env: DriverEnv, vp: KernelVp): boolean {
  for (const area of [HV_STATS_AREA.SELF, HV_STATS_AREA.PARENT]) {
    const pfn = vp.statsPages.get(area);
    if (pfn === undefined) continue;
    const page = env.shared.readPage(pfn);
    const view = new DataView(page.buffer, page.byteOffset, page.byteLength);
    if (view.getBigUint64(ROOT_DISPATCH_THREAD_BLOCKED_OFFSET, true) !== 0n) return true;
  }
  return false;
}
