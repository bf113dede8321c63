/**
 * Kernel constants of mshv_root that shape its behaviour but belong to no hypercall or uapi struct
 * (inventory §b.5, §c; facts `batch_sizes`, `deposit_counts`, `limits`). Each says whether the model
 * uses it; docs/FACTS-COVERAGE.md lists how the ones it does not use were resolved.
 *
 * @example
 * Math.ceil(pages / MSHV_PIN_PAGES_BATCH_SIZE); // pin_user_pages_fast calls for a region
 */

/**
 * MSHV_PIN_PAGES_BATCH_SIZE: pages per pin_user_pages_fast call (0x10000000 / 4096 = 65,536, i.e.
 * 256 MiB). The driver model pins a region with one HostPort call (the host keeps runs, not a page
 * array, so there is nothing to bound); the 1 TiB bench pins in batches of this size.
 */
export const MSHV_PIN_PAGES_BATCH_SIZE = 0x1000_0000 / 4096;

/**
 * MSHV_MAP_FAULT_IN_PAGES: pages faulted in per GPA intercept on a movable (HMM) region, one 2 MiB
 * chunk (PTRS_PER_PMD) from an offset aligned down to it (`handleGpaIntercept`, docs/DECISIONS.md 4).
 */
export const MSHV_MAP_FAULT_IN_PAGES = 512;

/**
 * MSHV_PARTITIONS_HASH_BITS: the partition table is a hash of 2^9 buckets keyed by hypervisor
 * partition id. Not used: the driver model keeps a Map; lookups are by id either way.
 */
export const MSHV_PARTITIONS_HASH_BITS = 9;

/**
 * MSHV_HV_MIN_VERSION / MSHV_HV_MAX_VERSION: the hypervisor builds the driver was written for. Outside
 * the range the kernel only logs an error at module init, so the model has no check to make.
 */
export const MSHV_HV_MIN_VERSION = 27744;
export const MSHV_HV_MAX_VERSION = 27751;

/**
 * HV_MAX_CONTIGUOUS_ALLOCATION_PAGES: pages hv_deposit_memory() deposits for
 * HV_STATUS_INSUFFICIENT_CONTIGUOUS_MEMORY (2026 patch, inventory §b.2; merge status uncertain). The
 * passthrough path (MSHV_ROOT_HVCALL) uses it.
 */
export const HV_MAX_CONTIGUOUS_ALLOCATION_PAGES = 8;

/**
 * HV_VP_REGISTER_PAGE_MAX_VECTOR_COUNT: vectors the irqfd fast path may queue in the VP register
 * page's `interrupt_vectors` word (a count byte, then the vectors). The simulated hypervisor takes at
 * most this many on DISPATCH_VP with SCAN_INTERRUPT_INJECTION.
 */
export const HV_VP_REGISTER_PAGE_MAX_VECTOR_COUNT = 7;

/**
 * HV_ROOT_SCHEDULER_MAX_VPS_PER_CHILD_PARTITION: the most VPs a child partition has under the root
 * scheduler (a BITSET scheduler message addresses up to 1024). The simulated hypervisor uses it as
 * its VP index limit for CREATE_VP (the driver's own limit, MSHV_MAX_VPS = 256, is lower).
 */
export const HV_ROOT_SCHEDULER_MAX_VPS_PER_CHILD_PARTITION = 1024;
