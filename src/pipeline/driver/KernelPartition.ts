import type { PartitionId } from '../../hv/ids.js';
import type { PfnRun } from '../PfnRuns.js';
import type { Chunk } from './planChunks.js';

/**
 * Present pages of a movable region: a chunk faulted in (MSHV_MAP_FAULT_IN_PAGES, 512 pages from a
 * 512-aligned offset, fewer at the region's end), or what an MMU notifier invalidation left of one
 * (a piece inside one 512-aligned block); its host pages and the strides it is mapped with.
 */
export interface FaultedChunk {
  /** First 4 KiB page, relative to the region start (inside the 512-aligned block of its chunk). */
  readonly pageOffset: number;
  readonly pages: number;
  readonly runs: readonly PfnRun[];
  /** Map chunks relative to `pageOffset` (`planChunks`: 2 MiB where the backing allows). */
  readonly chunks: readonly Chunk[];
}

/**
 * A guest memory region as the driver keeps it (struct mshv_mem_region): pinned RAM (`ram`), MMIO,
 * or movable RAM (NEW's HMM regions), whose pages are present only where a GPA intercept faulted
 * them in.
 */
export interface KernelRegion {
  readonly guestPfn: number;
  readonly pages: number;
  readonly userAddr: bigint;
  /** HV_MAP_GPA_* flags the region maps with (without LARGE_PAGE, which is per chunk). */
  readonly mapFlags: number;
  readonly kind: 'ram' | 'mmio' | 'movable';
  /** Pinned host pages (ram). */
  readonly runs: readonly PfnRun[];
  /** First SPA page (mmio). */
  readonly mmioPfn: number;
  /** How the region was mapped at creation (ram, mmio; movable: one no-access chunk). */
  readonly chunks: readonly Chunk[];
  /** Movable only: the present pages, as chunks faulted in and pieces of them, by page offset. */
  readonly faulted?: Map<number, FaultedChunk>;
}

/** The pages a VP creation mapped, released at teardown in reverse. */
export interface KernelVp {
  readonly index: number;
  readonly fd: number;
  /** VP state pages mapped (HV_VP_STATE_PAGE type → PFN). */
  readonly statePages: Map<number, bigint>;
  /** Stats pages mapped (HV_STATS_AREA → PFN). */
  readonly statsPages: Map<number, bigint>;
  /** Root-scheduler and run flags (mshv_vp_run flags: intercept_suspend, root_sched_blocked, root_sched_dispatched). */
  interceptSuspend: boolean;
  rootSchedBlocked: boolean;
  rootSchedDispatched: boolean;
  kickedByHv: boolean;
  /** The kernel's count of signals it received for this VP (compared with VP_ROOT_SIGNAL_COUNT at teardown). */
  signaledCount: number;
}

export interface KernelIoeventfd {
  readonly eventfd: number;
  readonly addr: bigint;
  readonly len: number;
  readonly datamatch: bigint;
  readonly wildcard: boolean;
  readonly portId: number;
}

export interface KernelIrqfd {
  readonly eventfd: number;
  readonly gsi: number;
  readonly resamplefd: number | undefined;
}

export interface MsiRoute {
  readonly gsi: number;
  readonly addressLo: number;
  readonly addressHi: number;
  readonly data: number;
}

/**
 * struct mshv_partition as the model keeps it: what the driver believes about one partition. The
 * refinement invariant compares this with what the hypervisor holds.
 *
 * @example
 * new KernelPartition(5, partitionId(0x10n), 0n).refs; // 1: the partition fd (each VP fd adds one)
 */
export class KernelPartition {
  initialized = false;
  /** Live references: the partition fd plus one per VP fd (inventory §c.12). */
  refs = 1;
  /** Whether the partition fd has been released (teardown of eventfds already ran). */
  fdReleased = false;
  readonly regions: KernelRegion[] = [];
  readonly vps = new Map<number, KernelVp>();
  readonly irqfds: KernelIrqfd[] = [];
  readonly ioeventfds: KernelIoeventfd[] = [];
  /** MSI routing table, replaced whole; null when none is installed. */
  msiRouting: readonly MsiRoute[] | null = null;
  /** The async-hypercall completion: true while a completed status waits to be consumed (c.9). */
  asyncCompletionDone = false;
  /**
   * The 32-bit status the ISR stored from HVMSG_ASYNC_CALL_COMPLETION (`async_hypercall_status`); it
   * replaces CALL_PENDING as the call's result (c.9).
   */
  asyncCompletionStatus = 0;

  constructor(
    readonly fd: number,
    readonly id: PartitionId,
    /** MSHV_PT_BIT_* flags the partition was created with. */
    readonly ptFlags: bigint,
  ) {}

  /** The region containing guest page `gfn`, if any. */
  regionAt(gfn: number): KernelRegion | undefined {
    return this.regions.find((r) => gfn >= r.guestPfn && gfn < r.guestPfn + r.pages);
  }

  /** The first region that overlaps `[gfn, gfn + pages)` as half-open GFN intervals (MID/NEW rule). */
  overlapping(gfn: number, pages: number): KernelRegion | undefined {
    return this.regions.find((r) => gfn < r.guestPfn + r.pages && r.guestPfn < gfn + pages);
  }
}
