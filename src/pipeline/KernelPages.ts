import type { PfnRun } from './PfnRuns.js';

/**
 * The root kernel's page allocator as the driver sees it (alloc_pages / __free_page): where deposit
 * pages come from and where withdrawn pages go back. The simulated machine implements it over its
 * host-memory ownership map; on a real host the kernel does this, not userspace.
 */
export interface KernelPages {
  /** Allocate `count` 4 KiB pages; null when the host has too few free pages (-ENOMEM). */
  allocPages(count: number): PfnRun[] | null;
  /** Return pages to the host. */
  freePages(runs: readonly PfnRun[]): void;
}
