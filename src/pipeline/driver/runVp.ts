import { HV_VP_STATE_PAGE } from '../../hv/flags/HvVpState.js';
import { MSHV_RUN_VP_BUF_SZ } from '../../hv/uapi/flags.js';
import type { DriverEnv } from './DriverEnv.js';
import { type IoctlResult, ok } from './IoctlResult.js';
import type { KernelPartition, KernelVp } from './KernelPartition.js';
import { runVpHypScheduler } from './runVpHypScheduler.js';
import { runVpRootScheduler } from './runVpRootScheduler.js';

export { RUN_VP } from './waitForKick.js';

/**
 * MSHV_RUN_VP (inventory §c.6): run the VP with the scheduler the hypervisor reported (ROOT: the
 * DISPATCH_VP loop; LP, LP_SMT, CORE_SMT: the suspend-register protocol), then copy the 256-byte
 * hv_message from the VP's mapped intercept-message page. Errors (-EINTR, hypercall failures) come
 * back as values; a wait or dispatch loop that cannot end throws (broken invariant).
 *
 * Not modelled: NEW's in-kernel handling of GPA intercepts on movable regions (the model's regions
 * are pinned, docs/DECISIONS.md deviation 4), and -EFAULT from the copy to user.
 *
 * @example
 * const r = runVp(env, pt, vp);
 * if (r.ok) new DataView(r.value.buffer).getUint32(0, true); // the HVMSG type of the exit
 */
export function runVp(env: DriverEnv, pt: KernelPartition, vp: KernelVp): IoctlResult<Uint8Array> {
  const ran = env.scheduler === 'root' ? runVpRootScheduler(env, pt, vp) : runVpHypScheduler(env, pt, vp);
  if (!ran.ok) return ran;
  const pfn = vp.statePages.get(HV_VP_STATE_PAGE.INTERCEPT_MESSAGE);
  if (pfn === undefined) throw new Error(`VP ${vp.index} has no intercept-message page mapped`);
  return ok(env.shared.readPage(pfn).slice(0, MSHV_RUN_VP_BUF_SZ));
}
