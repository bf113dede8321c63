import type { Refusal } from '../MachineEmitted.js';
import type { PartitionPhase } from './PartitionContext.js';
import { PARTITION_REQUESTS } from './PartitionEvent.js';

/**
 * Requests that configure or drive an initialized partition (rule 1: they follow INITIALIZE). IRQFD
 * and SET_MSI_ROUTING are not among them: they issue no hypercall, and the kernel takes them before
 * INITIALIZE too (§c.3).
 */
const NEEDS_INITIALIZE: ReadonlySet<string> = new Set([
  'CREATE_VP',
  'MAP_MEMORY',
  'UNMAP_MEMORY',
  'INSTALL_INTERCEPT',
  'IOEVENTFD',
  'FREEZE_TIME',
  'THAW_TIME',
  'SET_REFERENCE_TIME',
  'ENABLE_DIRTY_TRACKING',
  'READ_DIRTY',
  'MARK_ALL_DIRTY',
  'DISABLE_DIRTY_TRACKING',
]);

/**
 * The answer to an event the current phase does not take at all (the machine's catch-all):
 * - an OP_OK/OP_FAILED with no matching operation in flight: EINVAL (`resultMatchesInflight`);
 * - an unknown event type: EINVAL (`knownRequest`);
 * - closing or closed: EBADF (`partitionOpen`): the partition fd is released, as the kvm-ioctls
 *   "faulty fd" tests expect of every call on a dead handle;
 * - pausing or resuming: EBUSY (`noSequenceInProgress`): a step is in flight or stalled, retry
 *   the same request or close;
 * - before INITIALIZE, a request that configures or drives the partition: EIO
 *   (`configurationAfterInitialize`), a VMM rule. The kernel does not check `pt_initialized`
 *   (§c.3); for CREATE_VP, MAP_MEMORY, INSTALL_INTERCEPT and the dirty-bitmap reads the hypervisor
 *   answers INVALID_PARTITION_STATE → EIO, but the simulated hypervisor takes the property writes
 *   (FREEZE_TIME, THAW_TIME, the dirty-tracking switches) in the Created state, and IOEVENTFD issues
 *   no hypercall at all. The VMM refuses them all by the one rule, with the errno the kernel path
 *   gives where the hypervisor does check;
 * - otherwise: EINVAL (`requestLegalInPhase`), e.g. START while running or RESUME while configured.
 *
 * @example
 * phaseRefusal('closed', 'MAP_MEMORY'); // { errno: 'EBADF', rule: 'partitionOpen' }
 */
export function phaseRefusal(phase: PartitionPhase, request: string): Refusal {
  if (request === 'OP_OK' || request === 'OP_FAILED')
    return { errno: 'EINVAL', rule: 'resultMatchesInflight' };
  if (!(PARTITION_REQUESTS as readonly string[]).includes(request))
    return { errno: 'EINVAL', rule: 'knownRequest' };
  switch (phase) {
    case 'closing':
    case 'closed':
      return { errno: 'EBADF', rule: 'partitionOpen' };
    case 'pausing':
    case 'resuming':
      return { errno: 'EBUSY', rule: 'noSequenceInProgress' };
    case 'created':
    case 'earlyProperties':
      if (NEEDS_INITIALIZE.has(request)) return { errno: 'EIO', rule: 'configurationAfterInitialize' };
      return { errno: 'EINVAL', rule: 'requestLegalInPhase' };
    default:
      return { errno: 'EINVAL', rule: 'requestLegalInPhase' };
  }
}
