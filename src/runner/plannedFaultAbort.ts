import type { InjectedFault } from '../../adapters/simulated/faults/FaultPlan.js';
import { HvStatus } from '../hv/HvStatus.js';
import { ASYNC_WAIT_ROUNDS_MAX } from '../pipeline/driver/awaitAsyncCompletion.js';

/**
 * Why a planned fault is an answer the driver model cannot get past, or undefined for any other
 * fault. A scenario's fault plan may give any status, including answers no hypervisor gives, which
 * the driver model treats as a broken invariant (it throws) when they arrive:
 * - CALL_PENDING whose HVMSG_ASYNC_CALL_COMPLETION never comes (a planned CALL_PENDING answers
 *   without running the call, so nothing completes: the kernel would wait forever);
 * - CALL_PENDING with a `completionDelayNs` beyond the driver model's bounded wait
 *   (ASYNC_WAIT_ROUNDS_MAX rounds of 1 ms; the kernel waits without bound);
 * - SUCCESS, which answers without running the call: a rep call completes no rep (the kernel's rep
 *   loop would re-issue it without bound), a call's output is whatever its page held.
 * The scenario runner turns the throw that follows into an `aborted` step outcome with this text.
 *
 * @example
 * plannedFaultAbort({ call: 'SET_PARTITION_PROPERTY', nth: 1, status: 0x79, source: 'planned', partialReps: 0 });
 * // 'SET_PARTITION_PROPERTY call 1 answered CALL_PENDING (hypervisor.faults) and no completion follows: …'
 */
export function plannedFaultAbort(fault: InjectedFault): string | undefined {
  if (fault.source !== 'planned') return undefined;
  const which = `${fault.call} call ${fault.nth}`;
  if (fault.status === HvStatus.CALL_PENDING)
    return fault.completionDelayNs === undefined
      ? `${which} answered CALL_PENDING (hypervisor.faults) and no completion follows: the kernel would wait forever for HVMSG_ASYNC_CALL_COMPLETION`
      : `${which} completes ${fault.completionDelayNs} ns late (hypervisor.faults completionDelayNs), after the driver model's wait for HVMSG_ASYNC_CALL_COMPLETION gave up (${ASYNC_WAIT_ROUNDS_MAX} rounds of 1 ms; the kernel would wait on)`;
  if (fault.status === HvStatus.SUCCESS)
    return `${which} answered SUCCESS without running (hypervisor.faults), which no hypervisor does: a rep call completes no rep (the kernel would re-issue it without bound), a call's output is whatever its page held; the driver model cannot go on`;
  return undefined;
}
