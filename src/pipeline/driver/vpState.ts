import type { VpStateArgs, VpStateResult } from '../../ports/DevicePort.js';
import type { DriverEnv } from './DriverEnv.js';
import { type IoctlResult, fail } from './IoctlResult.js';
import type { KernelPartition, KernelVp } from './KernelPartition.js';

/** MSHV_GET_VP_STATE / MSHV_SET_VP_STATE (inventory §c.7). Placeholder until the VP routines land. */
export function vpState(
  _env: DriverEnv,
  _pt: KernelPartition,
  _vp: KernelVp,
  _arg: VpStateArgs,
  set: boolean,
): IoctlResult<VpStateResult> {
  return fail(set ? 'MSHV_SET_VP_STATE' : 'MSHV_GET_VP_STATE', 'EOPNOTSUPP', 'not modelled yet');
}
