import type { HvPage } from './HvPage.js';

/** A run of consecutive host PFNs (numbers: a 52-bit physical address space has PFNs below 2^40). */
export interface PfnRun {
  readonly pfn: number;
  readonly count: number;
}

/** The VMA covering a user address, as the driver's vma lookup sees it. */
export interface VmaInfo {
  /** First byte of the VMA. */
  readonly start: bigint;
  /** One past the last byte. */
  readonly end: bigint;
  /** `ram-4k` and `ram-2m` are ordinary (hugetlb for 2m) memory; `mmio` is VM_IO | VM_PFNMAP. */
  readonly kind: 'ram-4k' | 'ram-2m' | 'mmio';
  /** vm_pgoff: for an MMIO VMA the PFN its start maps (vfio convention); 0 for RAM. */
  readonly pgoff: number;
}

/**
 * What a user range resolves to when the driver pins it (pin_user_pages_fast on the VMA at
 * userspace_addr). `none`: no VMA holds userspace_addr (the driver answers -EINVAL), or the range
 * then leaves the RAM VMAs (the pin fails: -EFAULT; DECISIONS, deviation 21).
 * `mmio`: the VMA is VM_IO/VM_PFNMAP and `startPfn` is its vm_pgoff, whatever the offset of the
 * address inside the VMA (the kernel's quirk, kept).
 */
export type UserRange =
  | { readonly kind: 'ram'; readonly runs: readonly PfnRun[]; readonly hugeBacked: boolean }
  | { readonly kind: 'mmio'; readonly startPfn: number }
  | { readonly kind: 'none' };

/**
 * What the root partition's kernel needs of the machine beneath it, outside hypercalls: its page
 * allocator, the VMM process's address space (VMA lookup and pinning), the RAM map, the pages the
 * hypervisor shares with it (VP register and intercept-message pages, stats pages), and each CPU's
 * SynIC SINT0 message slot and doorbell event ring.
 *
 * The simulated machine implements it over the same page-ownership map the hypervisor model uses,
 * so a page the driver frees while the guest still maps it, or unpins while it is exclusive to an
 * SNP guest, is visible to the checkers. It is a superset of the driver's `KernelPages` and
 * `HostMemory` (src/pipeline), which it satisfies structurally.
 */
export interface HostPort {
  /** Number of simulated CPUs (each has its own hypercall pages and SynIC slots). */
  readonly cpuCount: number;

  /** alloc_pages: `count` 4 KiB kernel pages as runs, or null when the host is out of memory (-ENOMEM). */
  allocPages(count: number): PfnRun[] | null;
  /** __free_page over runs. Throws (a host invariant) when a page is not a kernel page. */
  freePages(runs: readonly PfnRun[]): void;

  /** find_vma: the VMA containing `userAddr`, or undefined. */
  findVma(userAddr: bigint): VmaInfo | undefined;
  /** Pin `[userAddr, userAddr + pages × 4096)`; all or nothing. */
  pinUserRange(userAddr: bigint, pages: number): UserRange;
  /**
   * hmm_range_fault: resolve `[userAddr, userAddr + pages × 4096)` to host pages, faulting in what is
   * not resident, all or nothing, without pinning (a movable region holds no reference: the mm may
   * migrate the pages once the MMU notifiers over them ran).
   */
  faultUserRange(userAddr: bigint, pages: number): UserRange;
  /**
   * The mm's invalidation sequence: how many invalidations (migrations) of the address space have
   * started, as mmu_interval_read_begin samples it and mmu_interval_read_retry compares it.
   */
  mmInvalidations(): number;
  /** unpin_user_pages over runs. Throws when a page is not pinned, or crashes the host when it is exclusive to a guest. */
  unpinUserRange(runs: readonly PfnRun[]): void;
  /** One pass over the range (not page_is_ram per page, review point 5): true when any page is RAM. */
  rangeHasRam(startPfn: number, count: number): boolean;

  /**
   * The contents of the host page at `pfn`: a hypervisor-provided page the root maps (VP register
   * page, intercept-message page, stats page) or a kernel/user page. Throws when the host touches a
   * page it does not own (free, deposited, exclusive to a guest) or a PFN that is not RAM.
   */
  physPage(pfn: number): HvPage;

  /**
   * CPU `cpu`'s SINT0 message slot (256 bytes, hv_message): message_type 0 (HVMSG_NONE) when empty.
   * The ISR reads it in place, writes message_type 0 and calls `endOfMessage` when msg_pending is set.
   */
  sint0Slot(cpu: number): Uint8Array;
  /** Write EOM: the hypervisor delivers the next queued message into an empty slot. */
  endOfMessage(cpu: number): void;
  /** CPUs whose SINT0 slot holds a message (the hypervisor callback interrupt is pending there). */
  sint0PendingCpus(): readonly number[];
  /** CPU `cpu`'s SINT5 (doorbell) event ring (256 bytes, hv_synic_event_ring). */
  doorbellRing(cpu: number): Uint8Array;
}
