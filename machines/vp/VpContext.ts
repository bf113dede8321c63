import type { Scheduler } from '../partition/PartitionContext.js';
import type { ExitKind } from './ExitKind.js';
import type { VpCommand } from './VpOp.js';

/**
 * The kernel's VP-flags word (inventory §c.6): {intercept_suspend:1, root_sched_blocked:1,
 * root_sched_dispatched:1, reserved:61}. Only the root scheduler sets them.
 */
export const VP_FLAG = {
  INTERCEPT_SUSPEND: 0x1,
  ROOT_SCHED_BLOCKED: 0x2,
  ROOT_SCHED_DISPATCHED: 0x4,
} as const;

/** What the last run produced: an exit, a signal (EINTR) or EAGAIN; null before the first. */
export type RunOutcome = ExitKind | 'EINTR' | 'EAGAIN';

/** A VP actor's context: a handful of scalars, so 16,000 actors stay small. */
export interface VpContext {
  readonly index: number;
  readonly scheduler: Scheduler;
  /** VP_FLAG bits. */
  readonly flags: number;
  readonly last: RunOutcome | null;
  /** PARK arrived while running: the VP goes to `suspended` whatever the run returns (rule 4). */
  readonly stopRequested: boolean;
  /** Rank of the last part restored while `created` (rule 8); -1 before any. */
  readonly restoredRank: number;
  /**
   * The last exit was port I/O and REGISTERS have not been written since (rule 9): the machine sees
   * the write, not whether RIP moved.
   */
  readonly ripAdvancePending: boolean;
  /** The state operation awaiting its result (the kernel's vp_mutex, §d); runs are the `running` state. */
  readonly inflight: VpCommand | null;
}

/** What the runtime passes when it creates a VP actor, after MSHV_CREATE_VP succeeded. */
export interface VpInput {
  readonly index: number;
  readonly scheduler: Scheduler;
}

/**
 * The context of a VP that MSHV_CREATE_VP just created (§c.5).
 *
 * @example
 * initialVpContext({ index: 0, scheduler: 'hv' }).flags; // 0
 */
export function initialVpContext(input: VpInput): VpContext {
  return {
    index: input.index,
    scheduler: input.scheduler,
    flags: 0,
    last: null,
    stopRequested: false,
    restoredRank: -1,
    ripAdvancePending: false,
    inflight: null,
  };
}
