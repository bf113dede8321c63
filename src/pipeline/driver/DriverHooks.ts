import type { KernelPartition, KernelRegion, KernelVp } from './KernelPartition.js';
import type { DriverEnv } from './DriverEnv.js';
import type { Chunk } from './planChunks.js';
import type { PartitionId } from '../../hv/ids.js';
import type { BatchResult } from '../runBatches.js';

/**
 * Extension points of the driver model: the places where real drivers have gone wrong. The shipped
 * defaults do what the newest upstream kernel does; the model checker's self-test builds broken
 * variants by replacing one hook, so the shipped code carries no switches.
 */
export interface DriverHooks {
  /**
   * Undo a map that failed part-way: `mappedPages` 4 KiB pages of `chunk` took effect (plus every
   * earlier chunk of the region, already in `done`).
   */
  unwindPartialMap(
    env: DriverEnv,
    pt: KernelPartition,
    region: KernelRegion,
    done: readonly Chunk[],
    chunk: Chunk,
    mappedPages: number,
  ): void;
  /**
   * hv_call_unmap_gpa_pages: unmap `pages` 4 KiB pages at `gfn` (2 MiB units when `large`), in
   * batches of HV_UMAP_GPA_PAGES. Unmap carries no list, so its batch is not a page bound: it bounds
   * how long interrupts stay off (review point 6).
   */
  unmapGpaPages(
    env: DriverEnv,
    partition: PartitionId,
    gfn: number,
    pages: number,
    large: boolean,
    op: string,
  ): BatchResult | 'EINVAL';
  /** Release one VP's hypervisor mappings at teardown (stats pages, then state pages). */
  releaseVp(env: DriverEnv, pt: KernelPartition, vp: KernelVp): void;
  /**
   * The one-async-call-in-flight gate of the passthrough path (inventory §c.9): true when a new
   * asynchronous call may be issued.
   */
  asyncGateOpen(pt: KernelPartition): boolean;
  /**
   * Wait for the completion of the asynchronous call that just answered CALL_PENDING and return its
   * 32-bit status (inventory §c.9: the thread blocks until the ISR stored
   * HVMSG_ASYNC_CALL_COMPLETION). A driver that returns without waiting lets a second asynchronous
   * call start while the first is still in flight.
   */
  awaitAsyncCompletion(env: DriverEnv, pt: KernelPartition): number;
  /**
   * mshv_handle_gpa_intercept's choice (NEW): the movable region a GPA intercept at `gfn` with
   * intercept access type `access` (0 read, 1 write, 2 execute) makes MSHV_RUN_VP fault in, or
   * undefined when the message goes to the VMM. The newest kernel refuses an access the region's
   * flags do not permit; before the March 2026 fix it faulted such a chunk in again and again.
   */
  gpaFaultRegion(pt: KernelPartition, gfn: number, access: number): KernelRegion | undefined;
  /**
   * The ranges a movable region's destruction unmaps, relative to its start, each in its stride.
   * NEW unmaps the faulted chunks only (`faultedRanges`: mshv_region_chunk_unmap skips absent
   * pages), which leaves the rest mapped no-access until the partition is deleted.
   */
  movableUnmapRanges(region: KernelRegion): readonly Chunk[];
  /**
   * A movable region's MMU notifier over `[pageOffset, pageOffset + pages)` of it (NEW
   * mshv_region_interval_invalidate, `invalidateMovableRange`): true when the range was remapped
   * no-access and its pages forgotten, false when the remap failed (the kernel's WARN_ONCE). What a
   * driver that forgets the pages without telling the hypervisor gets wrong is this hook's.
   */
  invalidateMovable(
    env: DriverEnv,
    pt: KernelPartition,
    region: KernelRegion,
    pageOffset: number,
    pages: number,
  ): boolean;
  /**
   * mmu_interval_read_retry after a movable region's fault-in: true when an invalidation started
   * since `seq` (what mmu_interval_read_begin sampled before hmm_range_fault), so the pages just
   * resolved may be gone and the fault-in runs again. A driver that maps them anyway is this hook's.
   */
  faultInRetry(env: DriverEnv, region: KernelRegion, seq: number): boolean;
}
