import type { OpArgs } from '../MachineEmitted.js';
import type { PartitionContext } from './PartitionContext.js';
import { requestArgs } from '../requestArgs.js';
import { PARTITION_REQUESTS } from './PartitionEvent.js';
import type { PartitionCommand, PartitionOp } from './PartitionOp.js';

/** The parameters of the machine's `startOp` action: the operation and its fixed arguments. */
export interface StartOp {
  readonly op: PartitionOp;
  readonly args?: OpArgs;
}

/**
 * Arguments an operation takes from the context: the VP or region a teardown step works on, the
 * regions a mark-all covers, and whether a map must mark its region dirty (tracking on).
 */
function contextArgs(op: PartitionOp, fixed: OpArgs, c: PartitionContext): OpArgs {
  switch (op) {
    case 'PARK_VPS':
    case 'UNPARK_VPS':
      return { vps: c.vps };
    case 'SUSPEND_VP':
      return { vp: c.vps[c.cursor] ?? null };
    case 'RELEASE_VP':
      return { vp: c.vps[0] ?? null };
    case 'RELEASE_REGION':
      return { region: c.regions[0] ?? null };
    case 'RELEASE_EVENTFDS':
      return { ioeventfds: c.ioeventfds, irqfds: c.irqfds };
    case 'MSHV_GET_GPAP_ACCESS_BITMAP':
      return fixed.mode === 'markAllDirty' ? { regions: c.regions } : {};
    case 'MSHV_SET_GUEST_MEMORY':
      // Rule 7: a region mapped while tracking is on is reported dirty on its first read, as the
      // regions were when tracking was enabled: the map marks it dirty too.
      return fixed.unmap !== true && c.dirty !== 'off' ? { markDirty: true } : {};
    default:
      return {};
  }
}

/**
 * The command a transition emits: the operation, its fixed arguments, the request's own fields and
 * what the context adds (the VP or region a teardown step works on). The transition's fixed
 * arguments win over the request's: the guards judged the request the transition names, so a
 * `detail` cannot turn THAW_TIME into a freeze, RESUME's clock into another value or an unmap into a
 * map (the fixed keys keep their place, so the logged arguments read as before).
 *
 * @example
 * partitionCommand({ op: 'MSHV_CREATE_VP' }, ctx, { type: 'CREATE_VP', vp: 2 });
 * // { type: 'op', op: 'MSHV_CREATE_VP', args: { vp: 2 } }
 */
export function partitionCommand(
  start: StartOp,
  context: PartitionContext,
  event: { readonly type: string },
): PartitionCommand {
  const fixed = start.args ?? {};
  return {
    type: 'op',
    op: start.op,
    args: {
      ...fixed,
      ...requestArgs(event, PARTITION_REQUESTS),
      ...fixed,
      ...contextArgs(start.op, fixed, context),
    },
  };
}
