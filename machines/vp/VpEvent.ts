import type { ErrnoName } from '../../src/hv/Errno.js';
import type { OpArgs } from '../MachineEmitted.js';
import type { PartitionPhase } from '../partition/PartitionContext.js';
import type { ExitKind } from './ExitKind.js';
import type { VpOp } from './VpOp.js';
import type { VpStatePart } from './VpStatePart.js';

interface Detail {
  readonly detail?: OpArgs;
}

/**
 * A request to a VP. RUN carries the phase of the VP's partition, which the runtime reads from the
 * partition snapshot when it sends the request (`partitionPhaseOf`); the VP machine's
 * `partitionAcceptsRun` guard decides on it. The partition and VP actors never message each other.
 */
export type VpRequest = Detail &
  (
    | { readonly type: 'READY' }
    | { readonly type: 'RUN'; readonly partition: PartitionPhase }
    | { readonly type: 'PARK' }
    | { readonly type: 'UNPARK' }
    | { readonly type: 'SET_STATE'; readonly part: VpStatePart }
    | { readonly type: 'GET_STATE'; readonly part: VpStatePart }
    | { readonly type: 'DELETE' }
  );

/**
 * The outcome of a VP operation. A run that returned 0 carries its `exit`; a run interrupted by a
 * signal fails with EINTR. A failed run on the root scheduler reports the kernel's VP flags as the
 * run left them (§c.6): `blocked` (root_sched_blocked) and `interceptSuspend` (intercept_suspend,
 * which only a dispatch clears: a signal taken before the first DISPATCH_VP leaves it set).
 */
export type VpResult =
  | { readonly type: 'OP_OK'; readonly op: VpOp; readonly exit?: ExitKind }
  | {
      readonly type: 'OP_FAILED';
      readonly op: VpOp;
      readonly errno: ErrnoName;
      readonly blocked?: boolean;
      readonly interceptSuspend?: boolean;
    };

/** Every event the VP machine takes. */
export type VpEvent = VpRequest | VpResult;

/** Every VP request type. */
export const VP_REQUESTS = [
  'READY',
  'RUN',
  'PARK',
  'UNPARK',
  'SET_STATE',
  'GET_STATE',
  'DELETE',
] as const satisfies readonly VpRequest['type'][];
