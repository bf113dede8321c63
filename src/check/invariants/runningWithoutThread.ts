import { hypervisorScheduled } from '../../../adapters/simulated/model/Guest.js';
import type { Invariant } from './Invariant.js';

/**
 * Under a hypervisor scheduler (LP, LP_SMT, CORE_SMT) a VP runs only while a VMM thread is in
 * MSHV_RUN_VP for it (inventory §c.6): the run resumes the VP by clearing INTERCEPT_SUSPEND and
 * EXPLICIT_SUSPEND, and it returns only with the VP suspended again, on the intercept whose message
 * it copies out (the hypervisor set INTERCEPT_SUSPEND) or explicitly after a signal (EXPLICIT_SUSPEND
 * set, -EINTR). So after every step, every VP the hypervisor holds in a partition it has not
 * finalized, with no thread of the VMM sleeping in MSHV_RUN_VP for it, is suspended in the
 * hypervisor (explicit, intercept or dispatch suspend). Judged from the simulated hypervisor's VP
 * flags and the plane's sleeping runs, not from the driver's `kicked_by_hv`: a run that returns on a
 * kick left over from the previous exit (`kicked_by_hv` never cleared) hands the VMM that exit's
 * message again while the VP it resumed runs on, and so does a signal path that returns -EINTR with
 * an intercept in flight, whose late kick ends the next run at once. The root scheduler runs a VP
 * only inside DISPATCH_VP, so it is not judged there.
 *
 * @example
 * runningWithoutThread.afterStep?.(step, world); // 'vm0/vp0 runs in the hypervisor (neither intercept- nor explicitly suspended) with no thread in MSHV_RUN_VP'
 */
export const runningWithoutThread: Invariant = {
  name: 'runningWithoutThread',
  summary:
    'hypervisor scheduler: a VP runs in the hypervisor only while a VMM thread is in MSHV_RUN_VP for it; a run returns with the VP suspended',
  afterStep(_step, world) {
    // A crash ends the VMM process and its threads; the kernel's teardown releases the VPs.
    if (world.crashed || !hypervisorScheduled(world.sim.machine.model)) return null;
    let applies = false;
    let pending: Set<string> | undefined;
    for (const key of world.keys()) {
      const id = world.partitionId(key);
      const hp = world.hvPartition(id);
      if (id === undefined || hp === undefined || hp.state === 'finalized' || world.hvDeleted(id)) continue;
      for (const [index, vp] of hp.vps) {
        applies = true;
        if (vp.explicitSuspend || vp.interceptSuspend || vp.dispatchSuspend) continue;
        pending ??= world.pendingRunKeys();
        if (pending.has(`${key}/${index}`)) continue;
        return `${key}/vp${index} runs in the hypervisor (neither intercept- nor explicitly suspended) with no thread in MSHV_RUN_VP`;
      }
    }
    return applies ? undefined : null;
  },
};
