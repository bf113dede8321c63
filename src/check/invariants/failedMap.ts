import type { Invariant } from './Invariant.js';

/**
 * A failed map leaves no stray mapping (inventory §d "release obligations": map failure after
 * partial progress unmaps the part already mapped; ORIG passed a 2 MiB count to the 4 KiB-count
 * unmap and left most of it mapped). After a MSHV_SET_GUEST_MEMORY map fails, every guest page the
 * hypervisor maps for that partition lies inside a region the driver still holds.
 *
 * @example
 * failedMap.afterStep?.(step, world); // 'vm0: after a failed map, GFNs [0x200, 0x400) stay mapped outside every region'
 */
export const failedMap: Invariant = {
  name: 'failedMap',
  summary:
    'after a failed MSHV_SET_GUEST_MEMORY map, the hypervisor maps nothing outside the regions the driver holds',
  afterStep(step, world) {
    let applies = false;
    for (const r of step.results) {
      if (r.op !== 'MSHV_SET_GUEST_MEMORY' || r.outcome.ok) continue;
      const op = step.operations.find((o) => o.id === r.id);
      const args = op?.args as { readonly unmap?: unknown } | undefined;
      if (op?.partition == null || args?.unmap === true) continue;
      applies = true;
      const kp = world.kernelPartition(op.partition);
      const hp = world.hvPartition(world.partitionId(op.partition));
      if (kp === undefined || hp === undefined) continue;
      for (const e of hp.gpa.extents) {
        let at = e.start;
        for (const region of [...kp.regions].sort((a, b) => a.guestPfn - b.guestPfn))
          if (region.guestPfn <= at && at < region.guestPfn + region.pages)
            at = region.guestPfn + region.pages;
        if (at < e.end)
          return `${op.partition}: after a failed map, GFNs [0x${at.toString(16)}, 0x${e.end.toString(16)}) stay mapped outside every region the driver holds`;
      }
    }
    return applies ? undefined : null;
  },
};
