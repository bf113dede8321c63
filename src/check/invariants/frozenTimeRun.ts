import type { CheckWorld } from '../CheckWorld.js';
import type { Invariant } from './Invariant.js';

/** The hypervisor holds the time of the partition behind `key` frozen (TIME_FREEZE = 1). */
function timeFrozen(world: CheckWorld, key: string): boolean {
  return world.hvPartition(world.partitionId(key))?.timeFrozen === true;
}

/**
 * No VP runs while its partition's time is frozen (vmm-lifecycle-rules 3: pause parks the VPs
 * before it freezes time, resume restores the clock and thaws before any VP runs; VPs run under a
 * frozen or stale clock hung Windows guests, cloud-hypervisor issue 7930). Judged from what the
 * driver and the simulated hypervisor did, not from the machine's guards: MSHV_RUN_VP is never
 * issued for a partition whose time the hypervisor holds frozen, and when a step ends no VP thread
 * sleeps in MSHV_RUN_VP (a dispatched VP whose guest has nothing to report yet) in a partition
 * whose time the hypervisor holds frozen.
 *
 * @example
 * frozenTimeRun.onOperation?.(op, world); // 'MSHV_RUN_VP issued for vm0/vp0 while the hypervisor holds vm0's time frozen'
 */
export const frozenTimeRun: Invariant = {
  name: 'frozenTimeRun',
  summary:
    "no MSHV_RUN_VP is issued, and no VP thread sleeps in one, while the hypervisor holds its partition's time frozen",
  onOperation(op, world) {
    if (op.name !== 'MSHV_RUN_VP' || op.partition === null) return null;
    if (timeFrozen(world, op.partition))
      return `MSHV_RUN_VP issued for ${op.partition}/vp${String(op.vp)} while the hypervisor holds ${op.partition}'s time frozen`;
    return undefined;
  },
  afterStep(_step, world) {
    // A crash ends the VMM process: its threads are gone with it.
    if (world.crashed) return null;
    const runs = world.plane.pendingRuns();
    if (runs.length === 0) return null;
    for (const run of runs)
      if (timeFrozen(world, run.partition))
        return `${run.partition}/vp${run.vp} sleeps in MSHV_RUN_VP (dispatched) while the hypervisor holds ${run.partition}'s time frozen`;
    return undefined;
  },
};
