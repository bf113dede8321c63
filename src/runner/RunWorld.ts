import type { GuestExit } from '../scenario/Scenario.js';
import type { MshvDevice } from '../pipeline/driver/MshvDevice.js';

/** The operation name of a host migration (`migrateUserPages`): not an ioctl, the mm's own doing. */
export const MM_MIGRATE = 'mm-migrate';

/** A migration armed for later moved nothing yet: what `migrateUserPages` answers for one. */
export const NOTHING_MIGRATED: HostMigration = Object.freeze({
  regions: 0,
  failed: 0,
  moved: 0,
  pinned: 0,
  mappedFreed: 0,
});

/** What a host migration did: the notifiers' side (movable regions) and the mm's (pages, in 4 KiB pages). */
export interface HostMigration {
  /** Movable regions whose MMU notifier ran. */
  readonly regions: number;
  /** Of those, the ones whose no-access remap failed (the kernel's WARN_ONCE; the pages move anyway). */
  readonly failed: number;
  /** Pages moved to new host pages. */
  readonly moved: number;
  /** Pages left in place because they are pinned (a pinned region's). */
  readonly pinned: number;
  /** Old pages freed while a guest still mapped them: a stale mapping (the host audit reports it). */
  readonly mappedFreed: number;
}

/**
 * What a scenario run needs around the device: the ways a scenario acts on the world that are not
 * ioctls (what a guest does, a signal arriving). The simulated machine provides it.
 */
export interface RunWorld {
  readonly device: MshvDevice;
  /** Program the exits VP `vpIndex` of the partition behind `partitionFd` takes, in order. */
  setGuestScript(partitionFd: number, vpIndex: number, exits: readonly GuestExit[]): void;
  /**
   * How many MSHV_RUN_VP calls return an exit of this script: a doorbell write or a mapped RAM
   * access completes in the guest, and under the root scheduler a HALT blocks the VP inside the
   * hypervisor (DISPATCH_VP answers BLOCKED, inventory §c.6); neither reaches the VMM.
   */
  exitsSeenByVmm(partitionFd: number, exits: readonly GuestExit[]): number;
  /**
   * Whether MSHV_RUN_VP on `vpFd` would sleep until a signal: no signal waits for its thread, no
   * kick is pending and the guest has no exit for the VMM before it blocks. A runtime keeps such a
   * run waiting (the thread asleep in the kernel) instead of entering the driver's bounded wait.
   */
  runWouldBlock(vpFd: number): boolean;
  /** The VP thread returned to user space: its signal handler ran, no signal is pending any more. */
  dropSignal(partitionFd: number, vpIndex: number): void;
  /** A signal arrives during the next MSHV_RUN_VP of that VP. */
  raiseSignal(partitionFd: number, vpIndex: number): void;
  /**
   * The host's mm moves `[userAddr, userAddr + pages × 4096)` of the VMM process (page migration,
   * compaction, swap): the driver's MMU notifiers over the range run first (movable regions remap
   * it no-access and forget its pages), then every unpinned resident page of it moves.
   */
  migrateUserPages(userAddr: bigint, pages: number): HostMigration;
  /**
   * Arm the same migration to happen during the next movable-region fault-in over any page of the
   * range instead of now: after hmm_range_fault resolved the pages and before the driver takes the
   * region's lock (the race mmu_interval_read_retry exists for). False when one is armed already.
   */
  armMigrationRace(userAddr: bigint, pages: number): boolean;
  /** Whether a migration is armed and has not fired yet (`armMigrationRace`). */
  migrationRaceArmed(): boolean;
  /** Lines describing the seed and every derived knob (printed first by `run` and `trace`). */
  describe(): readonly string[];
  /**
   * Taken before a step; asked with what the step threw, the function returned says why the throw is
   * the driver model stopped by a hypervisor answer the scenario's fault plan planned and no
   * hypervisor gives (`plannedFaultAbort`), or undefined when it is not (a fault of the tool: the
   * throw goes on). A world without it lets every throw go on.
   */
  faultWatch?(): (thrown: unknown) => string | undefined;
}
