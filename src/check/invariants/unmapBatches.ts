import { HV_UNMAP_GPA_LARGE_PAGE } from '../../hv/flags/HvMapGpaFlag.js';
import { UnmapGpaPages, UnmapGpaPagesInput } from '../../hv/hypercalls/UnmapGpaPages.js';
import { PAGES_PER_LARGE_PAGE } from '../../hv/Page.js';
import type { Invariant } from './Invariant.js';

/**
 * The unmap batch size (seed review point 6; inventory §b.5, §c.4 "Unmap"): the driver cuts a range
 * it unmaps into batches of HV_UMAP_GPA_PAGES (512 reps, `batchRepsMax`), and every batch but the
 * last of the range carries all 512. `inputPages` checks that no batch carries more; this checks
 * that none carries fewer while the range goes on, which is the v5 code the review was about: the
 * unmap loop cut with the map list's constant (HV_MAP_GPA_BATCH_SIZE, 509), an interrupt-latency
 * bound taken from a page bound.
 *
 * Judged on the calls the hypervisor sees, within one step. A batch is an UNMAP_GPA_PAGES issued
 * with rep start 0; an issue with a later rep start is a partial-completion resume of the batch in
 * flight (same rep count), not a new batch. When a new batch starts exactly where the previous
 * batch of the step ended (same partition and flags, base = its base + its reps in pages), the
 * range went on, so the previous batch had to be full, if every one of its reps completed (a
 * failed batch ends the driver's loop: a batch after it starts a new range).
 *
 * Two ranges that touch, unmapped one after the other with the same stride, read the same as one
 * range; the driver's own table tells them apart: a batch that starts where a region the driver
 * still holds begins is a new range. The chunks of one region alternate stride (`planChunks`), so
 * they never meet with the same flags. Once the driver no longer lists the partition (teardown,
 * after the last fd's close) its ranges are not known and the rule is not judged there; the
 * simulated hypervisor refuses every unmap after FINALIZE_PARTITION anyway.
 *
 * @example
 * unmapBatches.beforeCall?.(call, world);
 * // 'UNMAP_GPA_PAGES of partition 0x… went on at GPA page 0x11fd after a batch of 509 reps at 0x1000; every batch but the last of a range carries 512 (HV_UMAP_GPA_PAGES)'
 */
export const unmapBatches: Invariant = {
  name: 'unmapBatches',
  summary:
    'an unmapped range is cut into full batches: every UNMAP_GPA_PAGES batch but the last of its range carries HV_UMAP_GPA_PAGES (512) reps',
  beforeCall(call, world) {
    if (call.def !== UnmapGpaPages || call.input === null || call.traits === undefined) return null;
    // A resume of the batch in flight (rep start advanced, same rep count) is not a new batch.
    if (call.repStart !== 0) return null;
    const {
      targetPartitionId: partition,
      targetGpaBase: base,
      unmapFlags: flags,
    } = UnmapGpaPagesInput.decode(call.input);
    const unit = (flags & HV_UNMAP_GPA_LARGE_PAGE) === 0 ? 1n : BigInt(PAGES_PER_LARGE_PAGE);
    const s = world.scratch;
    const prev = s.unmapBatch;
    s.unmapBatch = {
      partition,
      flags,
      base,
      end: base + BigInt(call.repCount) * unit,
      repCount: call.repCount,
      complete: false,
    };
    // It applies when this batch continues the range of the previous one, which ran to the end.
    if (
      prev === null ||
      !prev.complete ||
      prev.partition !== partition ||
      prev.flags !== flags ||
      prev.end !== base
    )
      return null;
    const capacity = call.traits.batchRepsMax;
    if (prev.repCount >= capacity) return undefined;
    const driver = world.kernelPartitionById(partition);
    if (driver === undefined || driver.regions.some((r) => BigInt(r.guestPfn) === base)) return null;
    return (
      `${call.name} of partition 0x${partition.toString(16)} went on at GPA page 0x${base.toString(16)} ` +
      `after a batch of ${prev.repCount} reps at 0x${prev.base.toString(16)}; every batch but the last of a range ` +
      `carries ${capacity} (HV_UMAP_GPA_PAGES)`
    );
  },
  afterCall(call, status, world) {
    const batch = world.scratch.unmapBatch;
    if (call.def !== UnmapGpaPages || batch === null) return null;
    if ((status & 0xffffn) === 0n && Number((status >> 32n) & 0xfffn) >= batch.repCount)
      batch.complete = true;
    return null;
  },
};
