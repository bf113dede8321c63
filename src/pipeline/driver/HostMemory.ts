import type { PfnRun, UserRange, VmaInfo } from '../../ports/HostPort.js';

/** What a user address range resolves to when the driver pins it: the one definition is the HostPort's. */
export type { UserRange };

/**
 * The host memory services the driver uses outside hypercalls: the caller's address space (VMA lookup
 * and page pinning, pin_user_pages_fast; HMM faults) and the RAM test for MMIO ranges. The simulated machine
 * implements it from the scenario's `hostMemory`.
 */
export interface HostMemory {
  /** vma_lookup: the VMA containing `userAddr`, or undefined. */
  findVma(userAddr: bigint): VmaInfo | undefined;
  /** Look up and pin `[userAddr, userAddr + pages * 4096)`; `none` when RAM VMAs do not cover the whole range. */
  pinUserRange(userAddr: bigint, pages: number): UserRange;
  /** hmm_range_fault: resolve the range without pinning it (a movable region's fault-in). */
  faultUserRange(userAddr: bigint, pages: number): UserRange;
  /**
   * The mm's invalidation sequence: how many invalidations (migrations) of the address space have
   * started. What mmu_interval_read_begin samples before a fault-in and mmu_interval_read_retry
   * compares after it: a change means the pages just resolved may already be gone.
   */
  mmInvalidations(): number;
  unpinUserRange(runs: readonly PfnRun[]): void;
  /** One pass over the range: true when any page of `[startPfn, startPfn + count)` is RAM. */
  rangeHasRam(startPfn: number, count: number): boolean;
}
