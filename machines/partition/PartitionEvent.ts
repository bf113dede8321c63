import type { ErrnoName } from '../../src/hv/Errno.js';
import type { OpArgs } from '../MachineEmitted.js';
import type { PartitionOp } from './PartitionOp.js';

/** Extra arguments a request carries to its operation verbatim (addresses, flags, fds). */
interface Detail {
  readonly detail?: OpArgs;
}

/** A request from the caller (the Host API, a scenario, the model checker). */
export type PartitionRequest = Detail &
  (
    | { readonly type: 'SET_PROPERTY'; readonly property: string; readonly value: number | string }
    | { readonly type: 'INITIALIZE' }
    | {
        readonly type: 'CREATE_VP';
        readonly vp: number;
        /** The VP's state comes from a snapshot: START then waits for the snapshot's clock (rules 3, 8). */
        readonly restore?: boolean;
      }
    | { readonly type: 'MAP_MEMORY'; readonly region: string }
    | { readonly type: 'UNMAP_MEMORY'; readonly region: string }
    | { readonly type: 'INSTALL_INTERCEPT'; readonly kind: string }
    | { readonly type: 'IOEVENTFD'; readonly assign: boolean; readonly pio: boolean }
    | { readonly type: 'IRQFD'; readonly assign: boolean }
    | { readonly type: 'SET_MSI_ROUTING'; readonly entries: number }
    | { readonly type: 'START' }
    | { readonly type: 'PAUSE' }
    | { readonly type: 'RESUME' }
    | { readonly type: 'FREEZE_TIME' }
    | { readonly type: 'THAW_TIME' }
    | { readonly type: 'SET_REFERENCE_TIME'; readonly value: number | string }
    | { readonly type: 'SNAPSHOT' }
    | { readonly type: 'ENABLE_DIRTY_TRACKING' }
    | { readonly type: 'READ_DIRTY'; readonly pages: number }
    | { readonly type: 'MARK_ALL_DIRTY' }
    | { readonly type: 'DISABLE_DIRTY_TRACKING' }
    | { readonly type: 'CLOSE' }
  );

/**
 * The outcome of the operation in flight, sent by the runtime. An irqfd deassign's OP_OK says how
 * many irqfds the driver dropped (`released`): the kernel answers 0 whether or not one was bound to
 * the (eventfd, gsi) pair (§c.11), so success alone does not say the count went down.
 */
export type PartitionResult =
  | { readonly type: 'OP_OK'; readonly op: PartitionOp; readonly released?: number }
  | { readonly type: 'OP_FAILED'; readonly op: PartitionOp; readonly errno: ErrnoName };

/** Every event the partition machine takes. */
export type PartitionEvent = PartitionRequest | PartitionResult;

/** Every request type, for tables and generators. */
export const PARTITION_REQUESTS = [
  'SET_PROPERTY',
  'INITIALIZE',
  'CREATE_VP',
  'MAP_MEMORY',
  'UNMAP_MEMORY',
  'INSTALL_INTERCEPT',
  'IOEVENTFD',
  'IRQFD',
  'SET_MSI_ROUTING',
  'START',
  'PAUSE',
  'RESUME',
  'FREEZE_TIME',
  'THAW_TIME',
  'SET_REFERENCE_TIME',
  'SNAPSHOT',
  'ENABLE_DIRTY_TRACKING',
  'READ_DIRTY',
  'MARK_ALL_DIRTY',
  'DISABLE_DIRTY_TRACKING',
  'CLOSE',
] as const satisfies readonly PartitionRequest['type'][];
