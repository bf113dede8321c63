import { HV_VP_STATE_PAGE } from '../../hv/flags/HvVpState.js';
import { MSHV_RUN_VP_BUF_SZ } from '../../hv/uapi/flags.js';
import type { DriverEnv } from './DriverEnv.js';
import { type IoctlResult, ok } from './IoctlResult.js';
import type { KernelPartition, KernelVp } from './KernelPartition.js';
import { handleGpaIntercept } from './movableRegion.js';
import { runVpHypScheduler } from './runVpHypScheduler.js';
import { runVpRootScheduler } from './runVpRootScheduler.js';

import { RUN_VP } from './waitForKick.js';

export { RUN_VP };

/**
 * Most GPA intercepts one MSHV_RUN_VP handles in the kernel before the model declares a livelock
 * (the kernel loops as long as it handles them: a fault it cannot resolve would spin forever).
 * Exceeding it is a broken invariant and throws.
 */
export const GPA_FAULTS_PER_RUN_MAX = 1024;

/**
 * MSHV_RUN_VP (inventory §c.6): run the VP with the scheduler the hypervisor reported (ROOT: the
 * DISPATCH_VP loop; LP, LP_SMT, CORE_SMT: the suspend-register protocol), and run it again while the
 * message is a GPA intercept the kernel handles itself (NEW: a fault-in on a movable region,
 * `handleGpaIntercept`); then copy the 256-byte hv_message from the VP's mapped intercept-message
 * page. Errors (-EINTR, hypercall failures) come back as values; a wait, dispatch or fault loop that
 * cannot end throws (broken invariant).
 *
 * Not modelled: -EFAULT from the copy to user.
 *
 * @example
 * const r = runVp(env, pt, vp);
 * if (r.ok) new DataView(r.value.buffer).getUint32(0, true); // the HVMSG type of the exit
 */
export function runVp(env: DriverEnv, pt: KernelPartition, vp: KernelVp): IoctlResult<Uint8Array> {
  const pfn = vp.statePages.get(HV_VP_STATE_PAGE.INTERCEPT_MESSAGE);
  if (pfn === undefined) throw new Error(`VP ${vp.index} has no intercept-message page mapped`);
  for (let handled = 0; handled < GPA_FAULTS_PER_RUN_MAX; handled++) {
    const ran = env.scheduler === 'root' ? runVpRootScheduler(env, pt, vp) : runVpHypScheduler(env, pt, vp);
    if (!ran.ok) return ran;
    const message = env.shared.readPage(pfn).slice(0, MSHV_RUN_VP_BUF_SZ);
    if (!handleGpaIntercept(env, pt, message)) return ok(message);
  }
  throw new Error(
    `${RUN_VP}: VP ${vp.index} of partition ${pt.id} took ${GPA_FAULTS_PER_RUN_MAX} GPA intercepts the kernel handled without an exit`,
  );
}
