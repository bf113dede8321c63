import type { KernelVp } from './KernelPartition.js';

/**
 * kick_vp (mshv_synic.c, inventory §c.8): count the signal (`vp_signaled_count`, compared with
 * VP_ROOT_SIGNAL_COUNT at teardown), set `kicked_by_hv` and wake the VP's queue. The run loops see
 * the flag the next time they test their wait condition.
 *
 * @example
 * kickVp(vp); // vp.kickedByHv === true
 */
export function kickVp(vp: KernelVp): void {
  vp.signaledCount += 1;
  vp.kickedByHv = true;
}
