import {
  PASSTHROUGH_ALLOWED_CODES,
  PASSTHROUGH_ASYNC_CODES,
  PASSTHROUGH_SELF_ALLOWED_CODES,
} from '../../hv/flags/PassthroughAllowList.js';
import { HV_PAGE_SIZE } from '../../hv/Page.js';
import type { RootHvcallArgs } from '../../ports/DevicePort.js';
import { type IoctlResult, fail } from './IoctlResult.js';
import type { KernelPartition, KernelVp } from './KernelPartition.js';

export const ROOT_HVCALL = 'MSHV_ROOT_HVCALL';

/** in_sz must hold at least the partition id the driver overwrites. */
export const PASSTHROUGH_IN_SZ_MIN = 8;

const isU16 = (v: number): boolean => Number.isInteger(v) && v >= 0 && v <= 0xffff;

/**
 * The argument checks of MSHV_ROOT_HVCALL, in the kernel's order (inventory §d, §b.4, §c.9): status
 * ≠ 0, in_sz < 8, rsvd ≠ 0, in_sz > 4096, out_sz > 4096, a code off the allow-list of the fd kind
 * (partition and VP fds: the 15 NEW codes; /dev/mshv: the 2 self-targeted ones), an async code not
 * through a partition fd: all EINVAL. `pt` is undefined for /dev/mshv, `vp` set for a VP fd. Values
 * that do not fit the struct's u16 fields are rejected the same way. Returns the failure, or
 * undefined when the call may proceed.
 *
 * @example
 * checkRootHvcall(undefined, undefined, { code: 0x45, reps: 0, input: new Uint8Array(24), outSz: 0 }); // EINVAL
 */
export function checkRootHvcall(
  pt: KernelPartition | undefined,
  vp: KernelVp | undefined,
  arg: RootHvcallArgs,
): IoctlResult<never> | undefined {
  const op = ROOT_HVCALL;
  const inSz = arg.input.length;
  if (!isU16(arg.code)) return fail(op, 'EINVAL', `code ${arg.code} does not fit __u16`);
  if (!isU16(arg.reps)) return fail(op, 'EINVAL', `reps ${arg.reps} does not fit __u16`);
  if ((arg.status ?? 0) !== 0) return fail(op, 'EINVAL', 'status is not zero on input');
  if (inSz < PASSTHROUGH_IN_SZ_MIN) return fail(op, 'EINVAL', `in_sz ${inSz} < 8 (the partition id)`);
  if ((arg.rsvd ?? 0n) !== 0n) return fail(op, 'EINVAL', 'rsvd is not zero');
  if (inSz > HV_PAGE_SIZE) return fail(op, 'EINVAL', `in_sz ${inSz} > 4096`);
  if (!Number.isInteger(arg.outSz) || arg.outSz < 0 || arg.outSz > HV_PAGE_SIZE)
    return fail(op, 'EINVAL', `out_sz ${arg.outSz} > 4096`);
  const hex = `0x${arg.code.toString(16).padStart(4, '0')}`;
  if (pt === undefined) {
    if (!PASSTHROUGH_SELF_ALLOWED_CODES.includes(arg.code))
      return fail(op, 'EINVAL', `code ${hex} is not allowed self-targeted on /dev/mshv`);
  } else if (!PASSTHROUGH_ALLOWED_CODES.includes(arg.code)) {
    return fail(op, 'EINVAL', `code ${hex} is not on the passthrough allow-list`);
  }
  if (PASSTHROUGH_ASYNC_CODES.includes(arg.code) && (pt === undefined || vp !== undefined))
    return fail(op, 'EINVAL', `async code ${hex} is only allowed through a partition fd`);
  return undefined;
}
