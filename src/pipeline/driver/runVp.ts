import type { DriverEnv } from './DriverEnv.js';
import { type IoctlResult, fail } from './IoctlResult.js';
import type { KernelPartition, KernelVp } from './KernelPartition.js';

export const RUN_VP = 'MSHV_RUN_VP';

/** MSHV_RUN_VP (inventory §c.6). Placeholder until the VP routines land. */
export function runVp(_env: DriverEnv, _pt: KernelPartition, _vp: KernelVp): IoctlResult<Uint8Array> {
  return fail(RUN_VP, 'EOPNOTSUPP', 'not modelled yet');
}
