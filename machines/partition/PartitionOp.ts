import type { OpCommand } from '../MachineEmitted.js';

/**
 * Every operation the partition machine names, with what the runtime does for it. Names in
 * MSHV_* are /dev/mshv ioctls on the partition fd; hypercall names go through the passthrough
 * (MSHV_ROOT_HVCALL) or, in teardown, are issued by the driver itself; the rest are VMM-level
 * steps the runtime performs around the driver.
 */
export const PARTITION_OPS = [
  /** §c.3: deposit, INITIALIZE_PARTITION; idempotent once initialized. */
  'MSHV_INITIALIZE_PARTITION',
  /** SET_PARTITION_PROPERTY through the passthrough (§c.2, §c.9); `args.property`, `args.value`. */
  'SET_PARTITION_PROPERTY',
  /** GET_PARTITION_PROPERTY through the passthrough; the pause reads REFERENCE_TIME with it. */
  'GET_PARTITION_PROPERTY',
  /** §c.5: `args.vp`. */
  'MSHV_CREATE_VP',
  /**
   * §c.4: `args.region`, `args.unmap`; `args.markDirty` on a map while dirty tracking is on: the
   * new region's pages are marked dirty as part of the map (vmm-lifecycle-rules 7).
   */
  'MSHV_SET_GUEST_MEMORY',
  /** INSTALL_INTERCEPT through the passthrough: `args.kind`. */
  'INSTALL_INTERCEPT',
  /** §c.11: `args.assign`, `args.pio`. */
  'MSHV_IOEVENTFD',
  /** §c.11: `args.assign`. */
  'MSHV_IRQFD',
  /** §c.11, vmm-lifecycle-rules 6: the whole table, `args.entries`. */
  'MSHV_SET_MSI_ROUTING',
  /** vmm-lifecycle-rules 7: `args.mode` 'readAndClear' (`args.pages`) or 'markAllDirty' (`args.regions`). */
  'MSHV_GET_GPAP_ACCESS_BITMAP',
  /** VMM: save VP state and memory while quiesced (vmm-lifecycle-rules 11). */
  'SNAPSHOT',
  /** VMM: stop every VP thread and wait until each acknowledges (vmm-lifecycle-rules 3, 4): `args.vps`. */
  'PARK_VPS',
  /** VMM: let the VP threads run again: `args.vps`. */
  'UNPARK_VPS',
  /** VMM: stop device I/O (vmm-lifecycle-rules 3, 11). */
  'QUIESCE_DEVICES',
  /** VMM: restart device I/O. */
  'RESUME_DEVICES',
  /** §c.12 release of the partition fd: tear down ioeventfds (doorbells) and irqfds. */
  'RELEASE_EVENTFDS',
  /** §c.12 step 1 (root scheduler): SET DISPATCH_SUSPEND=1, wait for VP_ROOT_SIGNAL_COUNT: `args.vp`. */
  'SUSPEND_VP',
  /** §c.12 step 2: unmap the VP's stats and state pages (no DELETE_VP): `args.vp`. */
  'RELEASE_VP',
  /** §c.12 step 3: FINALIZE_PARTITION. */
  'FINALIZE_PARTITION',
  /** §c.12 step 4: remove the partition from the driver's hash table (no hypercall). */
  'UNLIST_PARTITION',
  /** §c.12 step 5: unmap, unpin and free one region: `args.region`. */
  'RELEASE_REGION',
  /** §c.12 step 6: WITHDRAW_MEMORY(all). */
  'WITHDRAW_MEMORY',
  /** §c.12 step 6: DELETE_PARTITION. */
  'DELETE_PARTITION',
] as const;

/** An operation name of the partition machine. */
export type PartitionOp = (typeof PARTITION_OPS)[number];

/** An operation the partition machine emits. */
export type PartitionCommand = OpCommand<PartitionOp>;
