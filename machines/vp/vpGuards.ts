import type { ErrnoName } from '../../src/hv/Errno.js';
import type { Refusal } from '../MachineEmitted.js';
import type { PartitionPhase } from '../partition/PartitionContext.js';
import { isExitKind } from './ExitKind.js';
import type { VpContext } from './VpContext.js';
import type { VpEvent } from './VpEvent.js';
import { restoreRank } from './VpStatePart.js';

/** What a VP guard sees. */
export interface VpGuardArgs {
  readonly context: VpContext;
  readonly event: VpEvent;
}

/**
 * The rule guards of the VP machine, each named after its rule and true when the request may go
 * ahead. Replace one with `vpMachine.provide({ guards: { ... } })` to plant the bug it prevents:
 * `partitionAcceptsRun: () => true` lets a VP run after its partition was finalized.
 */
export const vpRuleGuards = {
  /** One VP operation at a time: the kernel holds `vp_mutex` across VP ioctls (inventory §d); refused, not queued. EBUSY. */
  noVpOperationInFlight: ({ context }: VpGuardArgs) => context.inflight === null,
  /**
   * A VP runs only while its partition is running: not before START, not while it is paused or
   * pausing (VPs parked, rule 3), and never once teardown began, since FINALIZE_PARTITION releases
   * the VPs in the hypervisor (§c.12 step 3). The errno says which: see `runRefusal`.
   */
  partitionAcceptsRun: ({ event }: VpGuardArgs) => event.type === 'RUN' && event.partition === 'running',
  /** After a port-I/O exit the VMM advances RIP itself before running again (rule 9). EPERM. */
  portIoRipAdvanced: ({ context }: VpGuardArgs) => !context.ripAdvancePending,
  /** A restore writes the parts in rule 8's order (MSRs first, LAPIC/XSAVE/SIMP/SIEFP/timers last). EPERM. */
  vpStateRestoreInOrder: ({ context, event }: VpGuardArgs) =>
    event.type === 'SET_STATE' && restoreRank(event.part) >= context.restoredRank,
  /**
   * Misc registers are restored on VP 0 only (rule 8: they are the partition's, saved and restored
   * once); any VP may read them. EINVAL.
   */
  miscRegistersOnlyOnVp0: ({ context, event }: VpGuardArgs) =>
    !(event.type === 'SET_STATE' && event.part === 'MISC_REGISTERS') || context.index === 0,
} as const;

/** The name of a VP rule guard. */
export type VpRule = keyof typeof vpRuleGuards;

/** The errno of each VP rule other than `partitionAcceptsRun` (see `runRefusal`). */
export const VP_RULE_ERRNO: Readonly<Record<Exclude<VpRule, 'partitionAcceptsRun'>, ErrnoName>> = {
  noVpOperationInFlight: 'EBUSY',
  portIoRipAdvanced: 'EPERM',
  vpStateRestoreInOrder: 'EPERM',
  miscRegistersOnlyOnVp0: 'EINVAL',
};

/**
 * The refusal of a VP rule.
 *
 * @example
 * vpRefusalOf('portIoRipAdvanced'); // { errno: 'EPERM', rule: 'portIoRipAdvanced' }
 */
export function vpRefusalOf(rule: Exclude<VpRule, 'partitionAcceptsRun'>): Refusal {
  return { errno: VP_RULE_ERRNO[rule], rule };
}

/**
 * The refusal of a RUN the partition does not accept, by the partition's phase: EBUSY while it is
 * paused, pausing or resuming (transient: the VPs are parked); EBADF once it is closing or closed
 * (the partition is being released, as a call on a dead fd); EINVAL before START.
 *
 * @example
 * runRefusal('closing'); // { errno: 'EBADF', rule: 'partitionAcceptsRun' }
 */
export function runRefusal(phase: PartitionPhase): Refusal {
  const rule = 'partitionAcceptsRun';
  if (phase === 'paused' || phase === 'pausing' || phase === 'resuming') return { errno: 'EBUSY', rule };
  if (phase === 'closing' || phase === 'closed') return { errno: 'EBADF', rule };
  return { errno: 'EINVAL', rule };
}

const isRunResult = (e: VpEvent): boolean =>
  (e.type === 'OP_OK' || e.type === 'OP_FAILED') && e.op === 'MSHV_RUN_VP';

/** Routing guards: which result this is and where a VP settles. */
export const vpRoutingGuards = {
  /** MSHV_RUN_VP returned 0 with a typed exit. */
  runExited: ({ event }: VpGuardArgs) =>
    isRunResult(event) && event.type === 'OP_OK' && isExitKind(event.exit),
  /** MSHV_RUN_VP was interrupted: EINTR, or EAGAIN; both go back to the stop check (rule 4). */
  runInterrupted: ({ event }: VpGuardArgs) =>
    isRunResult(event) && event.type === 'OP_FAILED' && (event.errno === 'EINTR' || event.errno === 'EAGAIN'),
  /** MSHV_RUN_VP failed otherwise: the VP is where it was before the run. */
  runFailed: ({ event }: VpGuardArgs) => isRunResult(event) && event.type === 'OP_FAILED',
  /** The outcome of the state operation in flight. */
  resultMatchesInflight: ({ context, event }: VpGuardArgs) =>
    (event.type === 'OP_OK' || event.type === 'OP_FAILED') && context.inflight?.op === event.op,
  /** The outcome of a kick: nothing waits for it. */
  kickResult: ({ event }: VpGuardArgs) =>
    (event.type === 'OP_OK' || event.type === 'OP_FAILED') && event.op === 'VP_KICK',
  /** A PARK arrived during the run. */
  stopRequested: ({ context }: VpGuardArgs) => context.stopRequested,
  lastWasExit: ({ context }: VpGuardArgs) => isExitKind(context.last),
  lastWasInterrupt: ({ context }: VpGuardArgs) => context.last === 'EINTR' || context.last === 'EAGAIN',
} as const;
