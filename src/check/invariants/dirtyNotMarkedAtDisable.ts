import { HV_PARTITION_PROPERTY } from '../../hv/flags/HvPartitionProperty.js';
import { SetPartitionProperty } from '../../hv/hypercalls/SetPartitionProperty.js';
import type { Partition } from '../../../adapters/simulated/model/Partition.js';
import type { Invariant } from './Invariant.js';

const TRACKING = HV_PARTITION_PROPERTY.GPA_PAGE_ACCESS_TRACKING;
/** hv_input_set_partition_property: partition id @0, property code @8, value @16. */
const CODE_OFFSET = 8;
const VALUE_OFFSET = 16;
/** The dirty bit of a page's access state (bit 0 accessed, bit 1 dirty). */
const DIRTY = 2;

/** The first guest page of [start, end) whose dirty bit is clear, or undefined. */
function firstClean(p: Partition, start: number, end: number): number | undefined {
  let at = start;
  let found: number | undefined;
  p.gpa.access.forEachOverlap(start, end, (a) => {
    const from = Math.max(a.start, start);
    if (from > at || (a.value & DIRTY) === 0) {
      found = Math.min(from, at);
      return true;
    }
    at = Math.min(a.end, end);
    return undefined;
  });
  return found ?? (at < end ? at : undefined);
}

/**
 * Before dirty-page tracking is disabled, every page of every region is marked dirty again
 * (vmm-lifecycle-rules 7: enable → first read reports every page dirty → read-and-clear passes →
 * mark every page dirty on every region → disable; what a pass cleared and the migration has not
 * copied yet must not be lost with the bitmap). Judged from the simulated hypervisor, not from the
 * partition machine's guard: when the driver issues SET_PARTITION_PROPERTY turning
 * GPA_PAGE_ACCESS_TRACKING from 1 to 0, every guest page the hypervisor maps to RAM has its dirty
 * bit set.
 *
 * @example
 * dirtyNotMarkedAtDisable.beforeCall?.(call, world); // 'dirty tracking of partition 0x2a disabled with 8 of 8 mapped RAM pages clean, the first at gfn 0x1000 ...'
 */
export const dirtyNotMarkedAtDisable: Invariant = {
  name: 'dirtyNotMarkedAtDisable',
  summary:
    'dirty-page tracking is disabled only with the dirty bit set on every guest page mapped to RAM (every region marked again)',
  beforeCall(call, world) {
    if (call.def !== SetPartitionProperty || call.input === null) return null;
    if (call.input.getUint32(CODE_OFFSET, true) !== TRACKING) return null;
    if (call.input.getBigUint64(VALUE_OFFSET, true) !== 0n) return null;
    const id = call.input.getBigUint64(0, true);
    const p = world.hvPartition(id);
    // Disabling tracking that is off changes nothing (the property is idempotent).
    if (p?.properties.get(TRACKING) !== 1n) return null;
    let clean = 0;
    let mapped = 0;
    let first: number | undefined;
    for (const e of p.gpa.extents) {
      if (e.value.backing !== 'ram') continue;
      const pages = e.end - e.start;
      const dirty = p.gpa.access.covered(e.start, e.end, (a) => (a.value & DIRTY) !== 0);
      mapped += pages;
      if (dirty < pages) {
        clean += pages - dirty;
        first ??= firstClean(p, e.start, e.end);
      }
    }
    if (clean === 0) return undefined;
    return `dirty tracking of partition 0x${id.toString(16)} disabled with ${clean} of ${mapped} mapped RAM pages clean, the first at gfn 0x${(first ?? 0).toString(16)} (not every page was marked dirty again)`;
  },
};
