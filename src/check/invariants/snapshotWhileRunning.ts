import type { Invariant } from './Invariant.js';

/**
 * A snapshot is taken only while the partition is quiesced (vmm-lifecycle-rules 11: a snapshot
 * while running is refused, not queued; Firecracker answers NotAllowed). Judged from what the VMM
 * issued and where its VP threads are, not from the partition machine's guard: when the VMM's
 * SNAPSHOT operation begins (it reads every VP's state next), no VP thread of that partition sleeps
 * in MSHV_RUN_VP, i.e. no VP of it is dispatched with its guest running. A running partition whose
 * VPs all sit in an exit is consistent at the hypervisor and is not reported: the guard refuses it,
 * nothing observable tells it from a partition before START.
 *
 * @example
 * snapshotWhileRunning.onOperation?.(op, world); // 'SNAPSHOT of vm0 began while vm0/vp0 sleeps in MSHV_RUN_VP (its guest is running)'
 */
export const snapshotWhileRunning: Invariant = {
  name: 'snapshotWhileRunning',
  summary: 'a snapshot reads VP state only while no VP thread of its partition sleeps in MSHV_RUN_VP',
  onOperation(op, world) {
    if (op.name !== 'SNAPSHOT' || op.partition === null) return null;
    for (const run of world.plane.pendingRuns())
      if (run.partition === op.partition)
        return `SNAPSHOT of ${op.partition} began while ${op.partition}/vp${run.vp} sleeps in MSHV_RUN_VP (its guest is running)`;
    return undefined;
  },
};
