import { HV_X64_REGISTER_RIP } from '../../../adapters/simulated/model/Guest.js';
import { HVMSG } from '../../hv/flags/HvMessageType.js';
import { lastIntercept } from '../lastIntercept.js';
import type { Invariant } from './Invariant.js';

/**
 * After a port-I/O intercept the VMM advances RIP itself before the VP runs again
 * (vmm-lifecycle-rules 9: the hypervisor does not; a VP resumed at the same RIP executes the
 * OUT/IN again, for ever). Judged from the simulated hypervisor, not from the VP machine's guard
 * (which tracks that REGISTERS was written, not what was written): when MSHV_RUN_VP is issued for a
 * VP the hypervisor holds suspended on an IO_PORT intercept (INTERCEPT_SUSPEND set, the last
 * message an HVMSG_X64_IO_PORT_INTERCEPT), the VP's RIP must differ from the RIP that message
 * reported. A VMM that writes REGISTERS back unchanged passes the guard and is reported here.
 *
 * @example
 * ripNotAdvanced.onOperation?.(op, world); // 'MSHV_RUN_VP resumes vm0/vp0 after an IO_PORT intercept with RIP still 0x0, the exit's RIP (not advanced)'
 */
export const ripNotAdvanced: Invariant = {
  name: 'ripNotAdvanced',
  summary:
    "a VP suspended on an IO_PORT intercept runs again only once its RIP (in the hypervisor) differs from the exit's RIP",
  onOperation(op, world) {
    if (op.name !== 'MSHV_RUN_VP' || op.partition === null || op.vp === null) return null;
    const vp = world.hvPartition(world.partitionId(op.partition))?.vps.get(op.vp);
    if (vp?.interceptSuspend !== true) return null;
    const exit = lastIntercept(vp.lastMessage);
    if (exit?.type !== HVMSG.X64_IO_PORT_INTERCEPT) return null;
    if (vp.reg64(HV_X64_REGISTER_RIP) === exit.rip)
      return `MSHV_RUN_VP resumes ${op.partition}/vp${op.vp} after an IO_PORT intercept with RIP still 0x${exit.rip.toString(16)}, the exit's RIP (not advanced)`;
    return undefined;
  },
};
