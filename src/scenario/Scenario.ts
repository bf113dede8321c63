import type { ErrnoName } from '../hv/Errno.js';
import type { HypercallName } from '../hv/HypercallCode.js';
import type { MigrateDuring } from './MigrateDuring.js';

/**
 * A loaded scenario (format version 1, ../../docs/scenario-format.md): the typed value
 * `loadScenario` returns. Numbers of uapi fields up to 32 bits are `number`, 64-bit ones `bigint`.
 * Flag words and enumerations are raw values: the names a scenario writes are turned into bits
 * here, and unknown bits pass through, because rejecting them is the driver's job (inventory §d)
 * and a scenario may `expect: EINVAL` on them. Every uapi field the scenario may leave out is filled
 * with the value a zero-initialised C struct would carry (see the field docs for the one exception).
 */
export interface Scenario {
  readonly format: 1;
  readonly name: string;
  /** Free text for the reader (extension). */
  readonly description?: string;
  /** Seed of every deterministic choice in the run (host PFNs, ...). u32. */
  readonly seed: number;
  readonly hypervisor: HypervisorConfig;
  /** The host kernel's choices where kernel versions differ; absent: the defaults. */
  readonly kernel?: KernelConfig;
  /** The simulated host address space that `userAddr` values point into. */
  readonly hostMemory: readonly HostMemoryDecl[];
  readonly steps: readonly Step[];
}

/** Hypervisor scheduler types (HV_SCHEDULER_TYPE LP=1, LP_SMT=2, CORE_SMT=3, ROOT=4; inventory §c.1). */
export type Scheduler = 'lp' | 'lp-smt' | 'core-smt' | 'root';

export interface HypervisorConfig {
  /** Absent in the file: `core-smt`. */
  readonly scheduler: Scheduler;
  /** Reps a rep hypercall completes before it returns with partial completion; absent: never. >= 1. */
  readonly repTimeSlice?: number;
  /**
   * The hypervisor offers dispatch interrupt injection (CPUID 0x40000003 ECX bit 9): under the root
   * scheduler the driver's irqfd fast path queues a vector in the VP's register page instead of a
   * hypercall (inventory §c.11). Absent: false.
   */
  readonly dispatchInterruptInjection?: boolean;
  /** Ordered fault plan; absent in the file: empty. */
  readonly faults: readonly FaultPlanEntry[];
}

/**
 * How the host kernel backs guest RAM regions (inventory §c.4): `pinned`, every page pinned and
 * mapped at MSHV_SET_GUEST_MEMORY (ORIG and MID; NEW for SNP partitions or without an MMU notifier),
 * or `movable`, NEW's default: the region is mapped HV_MAP_GPA_NO_ACCESS and MSHV_RUN_VP faults in
 * 512 pages at a time on the GPA intercepts of guest accesses.
 */
export type RamRegions = 'pinned' | 'movable';

export interface KernelConfig {
  /** Absent in the file: `pinned`. */
  readonly ramRegions: RamRegions;
}

/** The `nth` (1-based) call of hypercall `call` returns `status` instead of running. */
export interface FaultPlanEntry {
  readonly call: HypercallName;
  readonly nth: number;
  /** Raw 16-bit HV_STATUS result. */
  readonly status: number;
  /** Its name without the HV_STATUS_ prefix, or `UNKNOWN_0x....` for a code no table knows. */
  readonly statusName: string;
  /**
   * Extension, only with status CALL_PENDING on an asynchronous call: the call runs, answers
   * CALL_PENDING, and its completion message reaches SINT0 this many simulated nanoseconds later
   * (a late completion), behind whatever the hypervisor posts meanwhile.
   */
  readonly completionDelayNs?: bigint;
}

export type HostMemoryDecl = RamDecl | MmioDecl;

/** Host RAM at `userAddr`, backed by pages of `pageSize` (PFNs chosen from the seed). */
export interface RamDecl {
  readonly kind: 'ram';
  readonly userAddr: bigint;
  readonly size: bigint;
  readonly pageSize: 4096 | 2097152;
}

/** An MMIO mapping at `userAddr` of the system physical range starting at `spa` (a VM_PFNMAP VMA). */
export interface MmioDecl {
  readonly kind: 'mmio';
  readonly userAddr: bigint;
  readonly size: bigint;
  readonly spa: bigint;
}

/** What a step must return: `ok` (0 or a positive result) or the errno name of a failure. */
export type Expect = 'ok' | ErrnoName;

/** Fields every step carries. */
export interface StepCommon<Op extends string = string> {
  readonly op: Op;
  /** The partition, by the name its createPartition step gave it. */
  readonly partition: string;
  /** Absent in the file: `ok`. */
  readonly expect: Expect;
  /** Free text for the reader (extension). */
  readonly description?: string;
}

/** MSHV_CREATE_PARTITION (struct mshv_create_partition, v2 when CPU_AND_XSAVE_FEATURES is set). */
export interface CreatePartitionStep extends StepCommon<'createPartition'> {
  /** pt_flags: MSHV_PT_BIT_* names or raw bits. */
  readonly flags: bigint;
  /** pt_isolation: MSHV_PT_ISOLATION_* (NONE) or a raw value. */
  readonly isolation: bigint;
  /** v2 pt_num_cpu_fbanks. Absent in the file: 2 (MSHV_NUM_CPU_FEATURES_BANKS), the value the kernel requires. */
  readonly numCpuFbanks: number;
  /** v2 pt_rsvd[6] (must be zero for the driver). */
  readonly rsvd: readonly number[];
  /** v2 pt_cpu_fbanks[2]: disabled processor-feature banks. */
  readonly cpuFbanks: readonly bigint[];
  /** v2 pt_rsvd1[2]. */
  readonly rsvd1: readonly bigint[];
  /** v2 pt_disabled_xsave (pt_rsvd2 off x86-64). */
  readonly disabledXsave: bigint;
}

/** MSHV_INITIALIZE_PARTITION (no argument). */
export type InitializePartitionStep = StepCommon<'initializePartition'>;

/** MSHV_SET_GUEST_MEMORY (struct mshv_user_mem_region). */
export interface SetGuestMemoryStep extends StepCommon<'setGuestMemory'> {
  readonly guestPfn: bigint;
  /** Bytes. */
  readonly size: bigint;
  /** userspace_addr. */
  readonly userAddr: bigint;
  /** MSHV_SET_MEM_BIT_* names (WRITABLE, EXECUTABLE, UNMAP) or raw bits; u8. */
  readonly flags: number;
  /** rsvd[7]. */
  readonly rsvd: readonly number[];
}

/** MSHV_CREATE_VP (struct mshv_create_vp). */
export interface CreateVpStep extends StepCommon<'createVp'> {
  readonly vpIndex: number;
}

/** MSHV_RUN_VP on the VP's fd, once per exit of the guest script. */
export interface RunVpStep extends StepCommon<'runVp'> {
  readonly vpIndex: number;
  /** What the guest does, in order: each entry is one intercept the VP exits with. Absent: empty. */
  readonly guest: readonly GuestExit[];
  /** A signal arrives during the run: EINTR unless an intercept is in flight (extension). */
  readonly signal: boolean;
}

/** One intercept in a guest script; each variant names the hypervisor message it produces. */
export type GuestExit =
  /** HVMSG_X64_IO_PORT_INTERCEPT. `value` is the data (fits `size` bytes). */
  | {
      readonly exit: 'IO_PORT';
      readonly port: number;
      readonly write: boolean;
      readonly size: 1 | 2 | 4;
      readonly value: number;
    }
  /**
   * An emulated MMIO access: HVMSG_UNMAPPED_GPA (HVMSG_GPA_INTERCEPT where the GPA is mapped without
   * that access) carrying the access; `value` is the data (fits `size` bytes).
   */
  | {
      readonly exit: 'MMIO';
      readonly gpa: bigint;
      readonly write: boolean;
      readonly size: 1 | 2 | 4 | 8;
      readonly value: bigint;
    }
  /** HVMSG_X64_HALT. */
  | { readonly exit: 'HALT' }
  /** HVMSG_X64_CPUID_INTERCEPT. */
  | { readonly exit: 'CPUID'; readonly leaf: number; readonly subleaf: number }
  /** HVMSG_X64_MSR_INTERCEPT. */
  | { readonly exit: 'MSR'; readonly msr: number; readonly write: boolean; readonly value: bigint }
  /** HVMSG_UNMAPPED_GPA: the guest touched a GPA no region maps (no access data). */
  | { readonly exit: 'UNMAPPED_GPA'; readonly gpa: bigint }
  /** HVMSG_X64_EXCEPTION_INTERCEPT. */
  | { readonly exit: 'EXCEPTION'; readonly vector: number };

export type GuestExitKind = GuestExit['exit'];

/** MSHV_GET_VP_STATE / MSHV_SET_VP_STATE (struct mshv_get_set_vp_state); the buffer is allocated by the runner. */
export interface VpStateFields {
  readonly vpIndex: number;
  /** MSHV_VP_STATE_* name (LAPIC, XSAVE, SIMP, SIEFP, SYNTHETIC_TIMERS) or a raw u8. */
  readonly type: number;
  /** rsvd[3]. */
  readonly rsvd: readonly number[];
  /** buf_sz in bytes. */
  readonly bufSize: number;
}

export interface GetVpStateStep extends StepCommon<'getVpState'>, VpStateFields {}
export interface SetVpStateStep extends StepCommon<'setVpState'>, VpStateFields {
  /** The state bytes at the start of the buffer (hex in the file; extension); absent: none, the buffer is zero. */
  readonly data: Uint8Array;
}

/**
 * MSHV_IRQFD (struct mshv_user_irqfd). `fd` and `resamplefd` numbers name eventfds of the scenario
 * alike (0 included); a negative number is passed as is (a bad fd).
 */
export interface IrqfdStep extends StepCommon<'irqfd'> {
  readonly fd: number;
  /** Absent: none (the zeroed struct's 0, which the driver reads only with RESAMPLE). */
  readonly resamplefd?: number;
  readonly gsi: number;
  /** MSHV_IRQFD_BIT_* names (DEASSIGN, RESAMPLE) or raw bits; u32. */
  readonly flags: number;
}

/** MSHV_IOEVENTFD (struct mshv_user_ioeventfd). */
export interface IoeventfdStep extends StepCommon<'ioeventfd'> {
  readonly datamatch: bigint;
  readonly addr: bigint;
  readonly len: number;
  readonly fd: number;
  /** MSHV_IOEVENTFD_BIT_* names (DATAMATCH, PIO, DEASSIGN) or raw bits; u32. */
  readonly flags: number;
  /** rsvd[4]. */
  readonly rsvd: readonly number[];
}

/** struct mshv_user_irq_entry. */
export interface MsiRoutingEntry {
  readonly gsi: number;
  readonly addressLo: number;
  readonly addressHi: number;
  readonly data: number;
}

/** MSHV_SET_MSI_ROUTING (struct mshv_user_irq_table; `nr` is the number of entries). */
export interface SetMsiRoutingStep extends StepCommon<'setMsiRouting'> {
  readonly entries: readonly MsiRoutingEntry[];
  /** The table header's rsvd (u32). */
  readonly rsvd: number;
}

/** MSHV_GET_GPAP_ACCESS_BITMAP (struct mshv_gpap_access_bitmap); the bitmap buffer is the runner's. */
export interface GetGpapAccessBitmapStep extends StepCommon<'getGpapAccessBitmap'> {
  /** MSHV_GPAP_ACCESS_TYPE_* name (ACCESSED, DIRTY) or a raw u8. */
  readonly accessType: number;
  /** MSHV_GPAP_ACCESS_OP_* name (NOOP, CLEAR, SET) or a raw u8. */
  readonly accessOp: number;
  /** rsvd[6]. */
  readonly rsvd: readonly number[];
  readonly pageCount: bigint;
  readonly gpapBase: bigint;
}

/** Which fd a root hypercall goes through. */
export type HvcallTarget = 'partition' | 'vp' | 'device';

/** MSHV_ROOT_HVCALL (struct mshv_root_hvcall). */
export interface RootHvcallStep extends StepCommon<'rootHvcall'> {
  /** partition fd (default), the VP fd of `vpIndex`, or /dev/mshv itself (self-targeted). */
  readonly target: HvcallTarget;
  /** Present exactly when `target` is `vp`. */
  readonly vpIndex?: number;
  /** Call code: an HVCALL name or a raw u16. */
  readonly code: number;
  readonly reps: number;
  /** The input bytes (in_sz is their length). */
  readonly input: Uint8Array;
  /** out_sz. */
  readonly outSize: number;
  /** status on input (must be zero for the driver). */
  readonly status: number;
  /** rsvd[6]. */
  readonly rsvd: readonly number[];
}

/** Release of the partition fd: the driver's full teardown runs. */
export type ClosePartitionStep = StepCommon<'closePartition'>;

/**
 * read(2) of a scenario eventfd (extension): its count, which becomes 0; EAGAIN when it is 0. Not an
 * ioctl: `partition` only orders the step. The kernel adds 1 per doorbell ring (ioeventfd) and per
 * acknowledged level-triggered interrupt (irqfd resamplefd).
 */
export interface ReadEventfdStep extends StepCommon<'readEventfd'> {
  /** The scenario's eventfd number, as in `irqfd.fd` and `ioeventfd.fd`. */
  readonly fd: number;
  /** The count the read must return (≥ 1, with `expect` ok); a different count fails the step. */
  readonly expectCount?: bigint;
}

/**
 * write(2) of a scenario eventfd (extension): adds `value` to its count; an irqfd bound to it injects
 * its interrupt (ASSERT_VIRTUAL_INTERRUPT) and reads the count away. `partition` only orders the step.
 */
export interface WriteEventfdStep extends StepCommon<'writeEventfd'> {
  readonly fd: number;
  /** The u64 written. Absent in the file: 1. */
  readonly value: bigint;
}

/**
 * The host's mm moves the VMM process's pages in `[userAddr, userAddr + size)` (extension: page
 * migration, compaction, swap). Not an ioctl: `partition` only orders the step. The MMU notifiers of
 * the movable regions over the range run first (NEW: remap no-access, forget the pages), then every
 * unpinned resident page of 4 KiB-backed memory moves to a new host page; pinned pages and hugetlb
 * pages stay.
 */
export interface MigrateUserPagesStep extends StepCommon<'migrateUserPages'> {
  /** First byte (4 KiB aligned). */
  readonly userAddr: bigint;
  /** Bytes (a non-zero multiple of 4 KiB). */
  readonly size: bigint;
  /**
   * `nextFaultIn`: nothing moves now; the migration starts while the next movable-region fault-in
   * over a page of the range runs, after its pages were resolved (one armed at a time: a second is
   * EBUSY). Absent: at once.
   */
  readonly during?: MigrateDuring;
}

export type Step =
  | CreatePartitionStep
  | InitializePartitionStep
  | SetGuestMemoryStep
  | CreateVpStep
  | RunVpStep
  | GetVpStateStep
  | SetVpStateStep
  | IrqfdStep
  | IoeventfdStep
  | SetMsiRoutingStep
  | GetGpapAccessBitmapStep
  | RootHvcallStep
  | ClosePartitionStep
  | ReadEventfdStep
  | WriteEventfdStep
  | MigrateUserPagesStep;

export type StepOp = Step['op'];
