import { stateName } from '../../runtime/stateName.js';
import type { CheckWorld } from '../CheckWorld.js';
import type { Invariant } from './Invariant.js';

/** The hypervisor finalized (or deleted) the partition behind a key: its VPs are released (§c.12 step 3). */
function finalized(world: CheckWorld, key: string): boolean {
  const id = world.partitionId(key);
  if (id === undefined) return false;
  return world.hvPartition(id)?.state === 'finalized' || world.hvDeleted(id);
}

/**
 * No VP runs after its partition is finalized (inventory §c.12: FINALIZE_PARTITION releases the
 * VPs in the hypervisor; the VMM parks every VP before teardown, vmm-lifecycle-rules 3 and 4). No
 * MSHV_RUN_VP is issued for a partition the hypervisor has finalized, nor, short of that, for one
 * whose machine is not running (created, paused, pausing, closing); once it is finalized no VP
 * thread of it still sleeps in MSHV_RUN_VP and no VP machine believes it is running.
 *
 * @example
 * runAfterFinalize.afterStep?.(step, world); // 'vm0/vp0 is still in MSHV_RUN_VP after vm0 was finalized'
 */
export const runAfterFinalize: Invariant = {
  name: 'runAfterFinalize',
  summary:
    'a VP runs only while its partition is running, and none runs (or sleeps in MSHV_RUN_VP) once its partition is finalized',
  onOperation(op, world) {
    if (op.name !== 'MSHV_RUN_VP' || op.partition === null) return null;
    if (finalized(world, op.partition))
      return `MSHV_RUN_VP issued for ${op.partition}/vp${String(op.vp)} after ${op.partition} was finalized`;
    // Short of finalize: a VP runs only while its partition runs (START, and not paused or closing;
    // rules 3 and 4): a run let into a parked partition is how a kick gets lost.
    const phase = world.plane.partitionSnapshot(op.partition)?.context.phase;
    if (phase !== undefined && phase !== 'running')
      return `MSHV_RUN_VP issued for ${op.partition}/vp${String(op.vp)} while ${op.partition} is ${phase}`;
    return undefined;
  },
  afterStep(_step, world) {
    // A crash ends the VMM process: its threads are gone with it.
    if (world.crashed) return null;
    let applies = false;
    for (const key of world.keys()) {
      if (!finalized(world, key)) continue;
      applies = true;
      for (const run of world.plane.pendingRuns())
        if (run.partition === key)
          return `${key}/vp${run.vp} is still in MSHV_RUN_VP after ${key} was finalized`;
      for (const vp of world.plane.vpIndexes(key)) {
        const s = world.plane.vpSnapshot(key, vp);
        if (s !== undefined && stateName(s.value) === 'running')
          return `the machine of ${key}/vp${vp} is still running after ${key} was finalized`;
      }
    }
    return applies ? undefined : null;
  },
};
