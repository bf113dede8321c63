import type { DriverEnv } from './DriverEnv.js';
import { type IoctlResult, fail } from './IoctlResult.js';
import type { KernelPartition, KernelVp } from './KernelPartition.js';

export const CREATE_VP = 'MSHV_CREATE_VP';

/** MSHV_CREATE_VP (inventory §c.5). Placeholder until the VP routines land. */
export function createVp(
  _env: DriverEnv,
  _pt: KernelPartition,
  _vpIndex: number,
  _fd: number,
): IoctlResult<KernelVp> {
  return fail(CREATE_VP, 'EOPNOTSUPP', 'not modelled yet');
}
