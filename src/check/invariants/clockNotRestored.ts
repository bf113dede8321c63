import type { Invariant } from './Invariant.js';

/**
 * A partition restored from a snapshot runs no VP before the snapshot's clock is written
 * (vmm-lifecycle-rules 3 and 8: restore the clock before any VP resumes; VPs resumed first hung
 * Windows guests for minutes, cloud-hypervisor issue 7930). Judged from what the VMM declared and
 * what the hypervisor took, not from the partition machine's guard (`restoredClockWrittenBeforeStart`):
 * once an MSHV_CREATE_VP for a restore succeeded in a partition none of whose VPs had run, no
 * MSHV_RUN_VP is issued for that partition until the hypervisor took a REFERENCE_TIME for it
 * (`CheckWorld.restores`). A VP restored into a partition that already runs joins its live clock.
 *
 * @example
 * clockNotRestored.onOperation?.(op, world); // 'MSHV_RUN_VP issued for vm0/vp0 before vm0's reference time was written after its restore (rules 3, 8)'
 */
export const clockNotRestored: Invariant = {
  name: 'clockNotRestored',
  summary:
    "no MSHV_RUN_VP is issued for a partition restored from a snapshot before the hypervisor took the snapshot's reference time (rules 3 and 8)",
  onOperation(op, world) {
    if (op.name !== 'MSHV_RUN_VP' || op.partition === null) return null;
    const id = world.partitionId(op.partition);
    if (id === undefined) return null;
    if (world.restores.clockOwed(id))
      return `MSHV_RUN_VP issued for ${op.partition}/vp${String(op.vp)} before ${op.partition}'s reference time was written after its restore (rules 3, 8: the clock is restored before any VP runs)`;
    return undefined;
  },
};
