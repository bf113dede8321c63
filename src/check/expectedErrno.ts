import type { ErrnoName } from '../hv/Errno.js';
import type { PartitionPhase } from '../../machines/partition/PartitionContext.js';

/**
 * The errno each refusal rule must carry, written down here from the reference rather than read from
 * the machines (the kernelErrno invariant compares the two). Where the kernel has the check, the
 * kernel's errno (inventory §c.5, §c.11, §d; INVALID_PARTITION_STATE → EIO by hv_result_to_errno,
 * §b.2); where the rule is the VMM's (vmm-lifecycle-rules), the convention of
 * machines/partition/partitionGuards.ts: EBUSY for a transient refusal, EPERM for a missing ordering
 * step, EINVAL for an argument out of range, EBADF for a released handle.
 */
export const EXPECTED_ERRNO: Readonly<Record<string, ErrnoName>> = {
  // Kernel checks (inventory §d).
  vpIndexBelowMax: 'EINVAL', // CREATE_VP: vp_index >= MSHV_MAX_VPS
  vpSlotFree: 'EEXIST', // CREATE_VP: slot used
  regionNotMapped: 'EEXIST', // SET_GUEST_MEMORY map: GFN overlap
  regionMapped: 'ENOENT', // SET_GUEST_MEMORY unmap: not found (NEW)
  ioeventfdNotPio: 'EOPNOTSUPP', // §c.11: PIO ioeventfd
  ioeventfdAssigned: 'ENOENT', // §c.11: deassign without an exact match
  earlyPropertyOnlyBeforeInitialize: 'EIO', // INVALID_PARTITION_STATE
  referenceTimeOnlyWhileFrozen: 'EIO', // rule 2: INVALID_PARTITION_STATE
  noOperationInFlight: 'EBUSY', // pt_mutex: refused instead of queued (rule 11)
  noVpOperationInFlight: 'EBUSY', // vp_mutex
  vpNotRunning: 'EBUSY', // MSHV_RUN_VP holds vp_mutex
  partitionOpen: 'EBADF', // a released partition fd
  vpOpen: 'EBADF', // a released VP fd
  partitionExists: 'EBADF', // no such partition handle
  eventfdExists: 'EBADF', // close(2) of an fd that is not an open eventfd
  vpExists: 'EBADF', // no such VP handle
  partitionKeyFree: 'EEXIST',
  // VMM rules standing in for a hypervisor state check the simulated hypervisor does not make for
  // every request they cover: the errno the kernel path gives for INVALID_PARTITION_STATE.
  postInitPropertyOnlyAfterInitialize: 'EIO', // rule 1: the simulated hypervisor takes it in Created
  configurationAfterInitialize: 'EIO', // §c.3: CREATE_VP, MAP_GPA_PAGES… refused; FREEZE/THAW taken
  // VMM rules (vmm-lifecycle-rules).
  postInitPropertyBeforeConfiguration: 'EPERM',
  propertyNotManaged: 'EINVAL',
  noDeviceIoWhilePaused: 'EBUSY', // rule 11: pause quiesces device I/O
  timeFreezeOnlyWithVpsParked: 'EBUSY',
  timeThawedBeforeVpsRun: 'EPERM',
  restoredClockWrittenBeforeStart: 'EPERM', // rules 3, 8: the snapshot's clock before START
  snapshotOnlyWhileQuiesced: 'EBUSY',
  dirtyTrackingEnabled: 'EPERM',
  dirtyReadWithinBitmapMax: 'EINVAL',
  allPagesMarkedDirtyBeforeDisable: 'EPERM',
  noSequenceInProgress: 'EBUSY',
  requestLegalInPhase: 'EINVAL',
  requestLegalInState: 'EINVAL',
  knownRequest: 'EINVAL',
  resultMatchesInflight: 'EINVAL',
  portIoRipAdvanced: 'EPERM',
  vpStateRestoreInOrder: 'EPERM',
  miscRegistersOnlyOnVp0: 'EINVAL',
  vpNotParked: 'EBUSY',
  vpReleasedWithPartition: 'EPERM', // §c.12: a VP goes with its partition (no DELETE_VP)
};

/**
 * The errno of a refused RUN by the partition's phase: EBUSY while VPs are parked (paused, pausing,
 * resuming), EBADF once the partition is released (closing, closed), EINVAL before START.
 *
 * @example
 * expectedRunErrno('closed'); // 'EBADF'
 */
export function expectedRunErrno(phase: PartitionPhase): ErrnoName {
  if (phase === 'paused' || phase === 'pausing' || phase === 'resuming') return 'EBUSY';
  if (phase === 'closing' || phase === 'closed') return 'EBADF';
  return 'EINVAL';
}
