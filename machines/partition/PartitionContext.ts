import type { PartitionCommand } from './PartitionOp.js';

/**
 * Which scheduler runs the VPs (inventory §c.1): the hypervisor's (LP, LP_SMT, CORE_SMT) or the
 * root partition's (ROOT), which changes the run loop (§c.6) and adds a teardown step (§c.12.1).
 */
export type Scheduler = 'hv' | 'root';

/** The partition's lifecycle phase (vmm-lifecycle-rules 1); the top-level state it is in. */
export type PartitionPhase =
  | 'created'
  | 'earlyProperties'
  | 'initialized'
  | 'configured'
  | 'running'
  | 'paused'
  | 'pausing'
  | 'resuming'
  | 'closing'
  | 'closed';

/** Dirty-page tracking (vmm-lifecycle-rules 7): off, on, or on with every page marked dirty again. */
export type DirtyTracking = 'off' | 'on' | 'allMarked';

/**
 * What the partition machine remembers besides its phase: counters and small sets, no per-VP
 * objects. Only a succeeded operation changes them.
 */
export interface PartitionContext {
  readonly scheduler: Scheduler;
  /** Mirrors the state the machine is in, so a refusal can name the errno of its phase. */
  readonly phase: PartitionPhase;
  /** MSHV_INITIALIZE_PARTITION succeeded (`pt_initialized`, §c.3). */
  readonly initialized: boolean;
  /** Created VP indexes, ascending. */
  readonly vps: readonly number[];
  /** Mapped regions by the caller's key (its first GFN, for instance), in mapping order. */
  readonly regions: readonly string[];
  readonly intercepts: number;
  readonly ioeventfds: number;
  readonly irqfds: number;
  /** Entries of the installed MSI routing table: the shadow of vmm-lifecycle-rules 6. */
  readonly msiRoutes: number;
  /** TIME_FREEZE = 1 (vmm-lifecycle-rules 2). */
  readonly timeFrozen: boolean;
  /** No VP thread runs guest code: true before the first START and while paused. */
  readonly vpsParked: boolean;
  /** Device I/O is stopped: true before the first START and while paused (vmm-lifecycle-rules 11). */
  readonly devicesQuiesced: boolean;
  readonly dirty: DirtyTracking;
  /**
   * A VP was created to be restored from a snapshot before the first START and the snapshot's clock
   * has not been written since (SET_REFERENCE_TIME): START waits for it (vmm-lifecycle-rules 3 and 8: the clock is
   * restored before any VP runs). Absent or undefined, never false, so a persisted context without a
   * restore reads as it always did (logs and snapshots written before the field replay unchanged).
   */
  readonly clockToRestore?: true | undefined;
  /** The next VP position of a per-VP teardown step. */
  readonly cursor: number;
  /** The operation awaiting its OP_OK / OP_FAILED; at most one (the kernel's pt_mutex, §d). */
  readonly inflight: PartitionCommand | null;
}

/** What the runtime passes when it creates a partition actor. */
export interface PartitionInput {
  readonly scheduler: Scheduler;
}

/**
 * The context of a partition that was just created (§c.2).
 *
 * @example
 * initialPartitionContext({ scheduler: 'root' }).vpsParked; // true
 */
export function initialPartitionContext(input: PartitionInput): PartitionContext {
  return {
    scheduler: input.scheduler,
    phase: 'created',
    initialized: false,
    vps: [],
    regions: [],
    intercepts: 0,
    ioeventfds: 0,
    irqfds: 0,
    msiRoutes: 0,
    timeFrozen: false,
    vpsParked: true,
    devicesQuiesced: true,
    dirty: 'off',
    cursor: 0,
    inflight: null,
  };
}
