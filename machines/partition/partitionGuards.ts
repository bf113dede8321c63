import type { ErrnoName } from '../../src/hv/Errno.js';
import { MSHV_MAX_VPS } from '../../src/hv/uapi/flags.js';
import type { Refusal } from '../MachineEmitted.js';
import type { PartitionContext } from './PartitionContext.js';
import type { PartitionEvent } from './PartitionEvent.js';
import type { PartitionOp } from './PartitionOp.js';
import { propertyStage } from './propertyStage.js';

/** What a guard sees: the context and the event being processed. */
export interface PartitionGuardArgs {
  readonly context: PartitionContext;
  readonly event: PartitionEvent;
}

/**
 * Pages one MSHV_GET_GPAP_ACCESS_BITMAP pass reads and clears at most (vmm-lifecycle-rules 7:
 * 65,536 pages per call).
 */
export const DIRTY_BITMAP_PAGES_MAX = 65_536;

/** The operations whose success takes an initialized partition to configured (rule 1). */
const CONFIGURING_OPS: ReadonlySet<PartitionOp> = new Set<PartitionOp>([
  'MSHV_CREATE_VP',
  'MSHV_SET_GUEST_MEMORY',
  'INSTALL_INTERCEPT',
]);

/**
 * Whether a pause holds the partition's devices quiesced in `phase`: from PAUSE until RESUME has
 * resumed them (vmm-lifecycle-rules 3, 11). Before the first START devices are quiesced too, but no
 * pause is in progress: a VM being built wires and may signal its irqfds.
 *
 * @example
 * devicesPaused('paused'); // true
 * devicesPaused('configured'); // false
 */
export function devicesPaused(phase: PartitionContext['phase']): boolean {
  return phase === 'pausing' || phase === 'paused' || phase === 'resuming';
}

const isConfigured = (c: PartitionContext): boolean =>
  c.vps.length > 0 || c.regions.length > 0 || c.intercepts > 0;

const property = (e: PartitionEvent): string => (e.type === 'SET_PROPERTY' ? e.property : '');

/**
 * The rule guards of the partition machine. Each is named after its rule and answers true when the
 * request may go ahead; a transition refuses with `refusal(name)` when it answers false. A test or
 * the model checker replaces one through `partitionMachine.provide({ guards: { name: ... } })` to
 * plant the bug the rule prevents.
 */
export const partitionRuleGuards = {
  /**
   * One partition operation in flight at a time. The kernel serialises partition ioctls on
   * `pt_mutex` (inventory §d) and allows one async call per partition (§c.9); the machine refuses a
   * second request instead of queueing it (vmm-lifecycle-rules 11). EBUSY.
   */
  noOperationInFlight: ({ context }: PartitionGuardArgs) => context.inflight === null,
  /**
   * Early properties only before INITIALIZE_PARTITION (rule 1, §c.2). The hypervisor has the same
   * check (the simulated one answers INVALID_PARTITION_STATE, which the driver turns into EIO), so
   * the VMM refuses with that errno before the call. EIO.
   */
  earlyPropertyOnlyBeforeInitialize: ({ context, event }: PartitionGuardArgs) =>
    !(propertyStage(property(event)) === 'early' && context.initialized),
  /**
   * Post-init properties only after INITIALIZE_PARTITION (rule 1). A VMM rule: the kernel does not
   * check `pt_initialized` (§c.3), and the simulated hypervisor takes these properties in the
   * Created state. The refusal carries the errno the kernel path gives when a hypervisor refuses a
   * property in the wrong partition state (INVALID_PARTITION_STATE → EIO), so a caller sees one
   * errno for rule 1 whichever layer refuses. EIO.
   */
  postInitPropertyOnlyAfterInitialize: ({ context, event }: PartitionGuardArgs) =>
    !(propertyStage(property(event)) === 'postInit' && !context.initialized),
  /**
   * Post-init properties before the partition is configured (rule 1: initialized → post-init
   * properties → configured). A VMM-level ordering rule: EPERM.
   */
  postInitPropertyBeforeConfiguration: ({ context, event }: PartitionGuardArgs) =>
    !(propertyStage(property(event)) === 'postInit' && isConfigured(context)),
  /**
   * TIME_FREEZE, REFERENCE_TIME and GPA_PAGE_ACCESS_TRACKING are written only through their own
   * requests, whose guards carry rules 2, 3 and 7. EINVAL.
   */
  propertyNotManaged: ({ event }: PartitionGuardArgs) => propertyStage(property(event)) !== 'managed',
  /** VP index below MSHV_MAX_VPS = 256, checked early (rule 10; §c.5 answers the same). EINVAL. */
  vpIndexBelowMax: ({ event }: PartitionGuardArgs) =>
    event.type === 'CREATE_VP' && Number.isInteger(event.vp) && event.vp >= 0 && event.vp < MSHV_MAX_VPS,
  /** A VP slot is filled once (§c.5: slot already used). EEXIST. */
  vpSlotFree: ({ context, event }: PartitionGuardArgs) =>
    event.type === 'CREATE_VP' && !context.vps.includes(event.vp),
  /**
   * A region key is mapped once (§c.4: a GFN overlap is refused). EEXIST. This is the VMM's own
   * bookkeeping, checked before any ioctl; the kernel, asked anyway, looks up the VMA first (EINVAL
   * for none) and tests the GFN overlap after.
   */
  regionNotMapped: ({ context, event }: PartitionGuardArgs) =>
    event.type === 'MAP_MEMORY' && !context.regions.includes(event.region),
  /** Only a mapped region is unmapped (§c.4 NEW: region not found). ENOENT. */
  regionMapped: ({ context, event }: PartitionGuardArgs) =>
    event.type === 'UNMAP_MEMORY' && context.regions.includes(event.region),
  /** PIO ioeventfds are unsupported, checked early (rule 10, §c.11). EOPNOTSUPP. */
  ioeventfdNotPio: ({ event }: PartitionGuardArgs) =>
    event.type === 'IOEVENTFD' && !(event.assign && event.pio),
  /** A deassign needs an assigned ioeventfd (§c.11: no exact match). ENOENT. */
  ioeventfdAssigned: ({ context, event }: PartitionGuardArgs) =>
    event.type === 'IOEVENTFD' && (event.assign || context.ioeventfds > 0),
  /**
   * The reference time is written only while time is frozen (rule 2); otherwise the hypervisor
   * answers INVALID_PARTITION_STATE (0x7), which the driver turns into EIO. Also guards RESUME,
   * whose first step writes the saved clock back.
   */
  referenceTimeOnlyWhileFrozen: ({ context }: PartitionGuardArgs) => context.timeFrozen,
  /**
   * No device I/O into a paused partition (rule 11: pause quiesces device I/O, not only VPs;
   * Firecracker issue 2193). From PAUSE until RESUME has resumed the devices an irqfd assign is
   * refused, since the kernel injects at once an eventfd that is already signalled (§c.11); the
   * control plane refuses a write to an irqfd's eventfd by the same rule. Refused, not held for
   * RESUME. An irqfd deassign and a new MSI routing table inject nothing and are taken. EBUSY.
   */
  noDeviceIoWhilePaused: ({ context, event }: PartitionGuardArgs) =>
    !(devicesPaused(context.phase) && event.type === 'IRQFD' && event.assign),
  /**
   * Time is frozen only with the VPs parked: pause parks VPs before it freezes time (rule 3), so a
   * freeze while VPs run is refused until the partition is paused. EBUSY.
   */
  timeFreezeOnlyWithVpsParked: ({ context }: PartitionGuardArgs) => context.vpsParked,
  /**
   * VPs start only with time thawed: resume restores the clock and thaws before the VPs run; VPs
   * running under a frozen or stale clock hung guests (rule 3, cloud-hypervisor issue 7930). EPERM.
   */
  timeThawedBeforeVpsRun: ({ context }: PartitionGuardArgs) => !context.timeFrozen,
  /**
   * A partition whose VPs are restored from a snapshot starts only once the snapshot's clock is
   * written (freeze, SET_REFERENCE_TIME, thaw): the clock is restored before any VP runs (rules 3
   * and 8; VPs resumed before the clock hung Windows guests, cloud-hypervisor issue 7930). EPERM.
   */
  restoredClockWrittenBeforeStart: ({ context }: PartitionGuardArgs) => context.clockToRestore !== true,
  /**
   * A snapshot only while VPs are parked and device I/O is quiesced (rule 11: a snapshot while
   * running is refused, not queued; pause must quiesce devices, not only VPs). Firecracker answers
   * NotAllowed; the VMM layer's errno for "refused while running" is EBUSY.
   */
  snapshotOnlyWhileQuiesced: ({ context }: PartitionGuardArgs) =>
    context.vpsParked && context.devicesQuiesced,
  /** Dirty pages are read or marked only after tracking is enabled (rule 7). EPERM. */
  dirtyTrackingEnabled: ({ context }: PartitionGuardArgs) => context.dirty !== 'off',
  /** One read-and-clear pass covers 1 to 65,536 pages (rule 7). EINVAL. */
  dirtyReadWithinBitmapMax: ({ event }: PartitionGuardArgs) =>
    event.type === 'READ_DIRTY' &&
    Number.isInteger(event.pages) &&
    event.pages >= 1 &&
    event.pages <= DIRTY_BITMAP_PAGES_MAX,
  /**
   * Before disabling tracking, every page of every region is marked dirty again, after the last
   * read and the last map (rule 7). EPERM.
   */
  allPagesMarkedDirtyBeforeDisable: ({ context }: PartitionGuardArgs) => context.dirty === 'allMarked',
} as const;

/** The name of a rule guard. */
export type PartitionRule = keyof typeof partitionRuleGuards;

/**
 * The errno each rule answers with. Kernel errnos where the kernel or the hypervisor has the check
 * (§c.4, §c.5, §c.11; rules 1 and 2's INVALID_PARTITION_STATE → EIO for early properties and the
 * reference time). VMM-level rules that stand in for a hypervisor state check the simulated
 * hypervisor does not make (`postInitPropertyOnlyAfterInitialize`) carry the errno the kernel path
 * would give (EIO). Other VMM-level rules: EBUSY when the refusal is transient (something runs or
 * is in flight: wait or pause first), EPERM when an ordering step is missing (the caller must do it
 * first), EINVAL for an argument out of range.
 */
export const PARTITION_RULE_ERRNO: Readonly<Record<PartitionRule, ErrnoName>> = {
  noOperationInFlight: 'EBUSY',
  earlyPropertyOnlyBeforeInitialize: 'EIO',
  postInitPropertyOnlyAfterInitialize: 'EIO',
  postInitPropertyBeforeConfiguration: 'EPERM',
  propertyNotManaged: 'EINVAL',
  vpIndexBelowMax: 'EINVAL',
  vpSlotFree: 'EEXIST',
  regionNotMapped: 'EEXIST',
  regionMapped: 'ENOENT',
  ioeventfdNotPio: 'EOPNOTSUPP',
  ioeventfdAssigned: 'ENOENT',
  referenceTimeOnlyWhileFrozen: 'EIO',
  noDeviceIoWhilePaused: 'EBUSY',
  timeFreezeOnlyWithVpsParked: 'EBUSY',
  timeThawedBeforeVpsRun: 'EPERM',
  restoredClockWrittenBeforeStart: 'EPERM',
  snapshotOnlyWhileQuiesced: 'EBUSY',
  dirtyTrackingEnabled: 'EPERM',
  dirtyReadWithinBitmapMax: 'EINVAL',
  allPagesMarkedDirtyBeforeDisable: 'EPERM',
};

/**
 * The refusal a rule answers with.
 *
 * @example
 * refusalOf('vpSlotFree'); // { errno: 'EEXIST', rule: 'vpSlotFree' }
 */
export function refusalOf(rule: PartitionRule): Refusal {
  return { errno: PARTITION_RULE_ERRNO[rule], rule };
}

const resultMatches = ({ context, event }: PartitionGuardArgs): boolean =>
  (event.type === 'OP_OK' || event.type === 'OP_FAILED') && context.inflight?.op === event.op;

/**
 * Routing guards: which result or step this is. They carry no rule; a result that matches no
 * operation in flight is refused by the machine with EINVAL (`resultMatchesInflight`).
 */
export const partitionRoutingGuards = {
  /** The event is the outcome of the operation in flight. */
  resultMatchesInflight: resultMatches,
  /** The operation in flight, `op`, succeeded. */
  resultIs: (args: PartitionGuardArgs, params: { readonly op: PartitionOp }) =>
    resultMatches(args) && args.event.type === 'OP_OK' && args.event.op === params.op,
  /** A VP, a mapped region or an intercept succeeded: the partition is configured (rule 1). */
  resultConfiguresPartition: (args: PartitionGuardArgs) =>
    resultMatches(args) &&
    args.event.type === 'OP_OK' &&
    CONFIGURING_OPS.has(args.event.op) &&
    args.context.inflight?.args.unmap !== true,
  /** §c.12: there are ioeventfds or irqfds to tear down with the partition fd. */
  eventfdsToRelease: ({ context }: PartitionGuardArgs) => context.ioeventfds + context.irqfds > 0,
  /** §c.12 step 1 applies (initialized, root scheduler) and a VP is left to suspend. */
  vpsLeftToSuspend: ({ context }: PartitionGuardArgs) =>
    context.initialized && context.scheduler === 'root' && context.cursor < context.vps.length,
  /** §c.12 step 3 applies: only an initialized partition is finalized (destroy_partition's pt_initialized block). */
  initializedToFinalize: ({ context }: PartitionGuardArgs) => context.initialized,
  /** §c.12 step 2: a VP is left to release. */
  vpsLeftToRelease: ({ context }: PartitionGuardArgs) => context.vps.length > 0,
  /** §c.12 step 5: a region is left to release. */
  regionsLeftToRelease: ({ context }: PartitionGuardArgs) => context.regions.length > 0,
} as const;
