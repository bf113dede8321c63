import type { OpArgs } from '../MachineEmitted.js';
import { requestArgs } from '../requestArgs.js';
import { VP_FLAG, type VpContext } from './VpContext.js';
import { VP_REQUESTS } from './VpEvent.js';
import type { VpCommand, VpOp } from './VpOp.js';
import { isStatePagePart, type VpStatePart } from './VpStatePart.js';

/** The parameters of the VP machine's `startOp` action. */
export interface VpStartOp {
  readonly op: VpOp;
  readonly args?: OpArgs;
}

/**
 * What a run needs from the VP-flags word. Root scheduler (§c.6): DISPATCH_VP with
 * CLEAR_INTERCEPT_SUSPEND when the previous exit was an intercept, and a wait for a kick first when
 * the VP was left blocked. The hypervisor scheduler clears both suspend registers on every run.
 */
function runArgs(c: VpContext): OpArgs {
  if (c.scheduler !== 'root') return { scheduler: 'hv' };
  return {
    scheduler: 'root',
    clearInterceptSuspend: (c.flags & VP_FLAG.INTERCEPT_SUSPEND) !== 0,
    waitForKick: (c.flags & VP_FLAG.ROOT_SCHED_BLOCKED) !== 0,
  };
}

/**
 * The command a VP transition emits.
 *
 * @example
 * vpCommand({ op: 'MSHV_RUN_VP' }, ctx, { type: 'RUN', partition: 'running' });
 * // { type: 'op', op: 'MSHV_RUN_VP', args: { partition: 'running', scheduler: 'hv', vp: 0 } }
 */
export function vpCommand(start: VpStartOp, context: VpContext, event: { readonly type: string }): VpCommand {
  return {
    type: 'op',
    op: start.op,
    args: {
      ...start.args,
      ...requestArgs(event, VP_REQUESTS),
      ...(start.op === 'MSHV_RUN_VP' ? runArgs(context) : {}),
      vp: context.index,
    },
  };
}

/**
 * The operation that reads or writes a part of the VP's state.
 *
 * @example
 * stateOpFor('XSAVE', 'set'); // 'MSHV_SET_VP_STATE'
 */
export function stateOpFor(part: VpStatePart, dir: 'get' | 'set'): VpOp {
  if (isStatePagePart(part)) return dir === 'get' ? 'MSHV_GET_VP_STATE' : 'MSHV_SET_VP_STATE';
  return dir === 'get' ? 'GET_VP_REGISTERS' : 'SET_VP_REGISTERS';
}
