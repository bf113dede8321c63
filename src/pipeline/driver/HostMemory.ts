import type { PfnRun } from '../PfnRuns.js';

/** What a user address range resolves to when the driver pins it (the VMA at userspace_addr). */
export type UserRange =
  | { readonly kind: 'ram'; readonly runs: readonly PfnRun[]; readonly hugeBacked: boolean }
  | { readonly kind: 'mmio'; readonly startPfn: number }
  | { readonly kind: 'none' };

/**
 * The host memory services the driver uses outside hypercalls: the caller's address space (VMA lookup
 * and page pinning, pin_user_pages_fast) and the RAM test for MMIO ranges. The simulated machine
 * implements it from the scenario's `hostMemory`.
 */
export interface HostMemory {
  /** Look up and pin `[userAddr, userAddr + pages * 4096)`; `none` when no VMA covers the range. */
  pinUserRange(userAddr: bigint, pages: number): UserRange;
  unpinUserRange(runs: readonly PfnRun[]): void;
  /** One pass over the range: true when any page of `[startPfn, startPfn + count)` is RAM. */
  rangeHasRam(startPfn: number, count: number): boolean;
}
