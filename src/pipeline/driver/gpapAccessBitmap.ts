import { traitsOf } from '../../hv/Hypercall.js';
import { GetGpaPagesAccessStates, GpaAccessState } from '../../hv/hypercalls/GetGpaPagesAccessStates.js';
import { MSHV_GPAP_ACCESS_OP, MSHV_GPAP_ACCESS_TYPE } from '../../hv/uapi/flags.js';
import type { GpapAccessBitmapArgs } from '../../ports/DevicePort.js';
import { HV_STATUS_SUCCESS } from '../CallPlan.js';
import type { Executor } from '../Executor.js';
import { runBatches } from '../runBatches.js';
import type { DriverEnv } from './DriverEnv.js';
import { type IoctlResult, fail, failCall, ok } from './IoctlResult.js';
import type { KernelPartition } from './KernelPartition.js';

export const GET_GPAP_ACCESS_BITMAP = 'MSHV_GET_GPAP_ACCESS_BITMAP';

/** union hv_gpa_page_access_state_flags: what the call does to each page's bits after reading them. */
export const GPA_ACCESS_STATE_FLAG = {
  CLEAR_ACCESSED: 0x1,
  SET_ACCESSED: 0x2,
  CLEAR_DIRTY: 0x4,
  SET_DIRTY: 0x8,
} as const;

/**
 * Model bound on page_count: the kernel vzallocs a page_count-byte state buffer and fails with
 * -ENOMEM when it cannot; the model fails the same way above 2^30 pages (a 1 GiB buffer, 4 TiB of
 * guest), so the wrapper's u32 count (which would truncate from 2^32) is never reached.
 */
export const GPAP_PAGE_COUNT_MAX = 2 ** 30;

const traits = traitsOf(GetGpaPagesAccessStates);
const U64_MASK = 0xffff_ffff_ffff_ffffn;

/**
 * The state flags the kernel passes for (type, op). Quirks kept (inventory §d): ACCESSED + CLEAR also
 * clears dirty; NOOP takes the SET branch (ACCESSED: set accessed; DIRTY: set dirty and accessed).
 *
 * @example
 * accessStateFlags(MSHV_GPAP_ACCESS_TYPE.DIRTY, MSHV_GPAP_ACCESS_OP.NOOP); // 0xa
 */
export function accessStateFlags(type: number, op: number): number {
  const F = GPA_ACCESS_STATE_FLAG;
  if (type === MSHV_GPAP_ACCESS_TYPE.ACCESSED)
    return op === MSHV_GPAP_ACCESS_OP.CLEAR ? F.CLEAR_ACCESSED | F.CLEAR_DIRTY : F.SET_ACCESSED;
  return op === MSHV_GPAP_ACCESS_OP.CLEAR ? F.CLEAR_DIRTY : F.SET_DIRTY | F.SET_ACCESSED;
}

/**
 * MSHV_GET_GPAP_ACCESS_BITMAP (inventory §c, §d): type < 2, op < 3, rsvd = 0, page_count ≠ 0
 * (EINVAL; bitmap_ptr has no counterpart here, the bitmap is returned). The kernel's -E2BIG check
 * multiplies page_count by the 1-byte state size and cannot overflow, and its -EBADFD check (bitmap
 * larger than the state buffer) cannot hold; neither is modelled. GET_GPA_PAGES_ACCESS_STATES runs
 * in batches of 4095 pages from gpap_base (no deposit retry); bit i of the result is state byte i & 1
 * (ACCESSED) or & 2 (DIRTY), LSB first, ceil(page_count / 8) bytes, unused bits zero. Each batch's
 * states are copied out of the per-CPU page inside its window, which closes before the batch loop
 * counts the progress (seed review point 7). Any failed call fails the ioctl with no bitmap.
 *
 * @example
 * getGpapAccessBitmap(env, pt, { accessType: 1, accessOp: 1, pageCount: 8192n, gpapBase: 0n }); // 1024 bytes
 */
export function getGpapAccessBitmap(
  env: DriverEnv,
  pt: KernelPartition,
  arg: GpapAccessBitmapArgs,
): IoctlResult<Uint8Array> {
  const op = GET_GPAP_ACCESS_BITMAP;
  if (arg.accessType >= MSHV_GPAP_ACCESS_TYPE.COUNT)
    return fail(op, 'EINVAL', `access_type ${arg.accessType} >= MSHV_GPAP_ACCESS_TYPE_COUNT (2)`);
  if (arg.accessOp >= MSHV_GPAP_ACCESS_OP.COUNT)
    return fail(op, 'EINVAL', `access_op ${arg.accessOp} >= MSHV_GPAP_ACCESS_OP_COUNT (3)`);
  if ((arg.rsvd ?? 0n) !== 0n) return fail(op, 'EINVAL', 'rsvd is not zero');
  if (arg.pageCount <= 0n) return fail(op, 'EINVAL', 'page_count is 0');
  if (arg.pageCount > BigInt(GPAP_PAGE_COUNT_MAX)) {
    return fail(op, 'ENOMEM', `page_count ${arg.pageCount}: the state buffer cannot be allocated`);
  }
  const count = Number(arg.pageCount);
  const mask =
    arg.accessType === MSHV_GPAP_ACCESS_TYPE.ACCESSED ? GpaAccessState.ACCESSED : GpaAccessState.DIRTY;
  const flags = BigInt(accessStateFlags(arg.accessType, arg.accessOp));
  const bitmap = new Uint8Array(Math.ceil(count / 8));
  // Runs after the executor returned, i.e. after the window closed: the bytes are the copy made inside it.
  const copyStates: Executor = (p) => {
    const outcome = env.execOnce(p);
    const states = outcome.output;
    if (outcome.result === HV_STATUS_SUCCESS && states !== undefined) {
      const first = p.listFrom ?? 0;
      for (let i = 0; i < outcome.repsCompleted; i++) {
        const page = first + i;
        if (((states[i] ?? 0) & mask) !== 0)
          bitmap[page >>> 3] = (bitmap[page >>> 3] ?? 0) | (1 << (page & 7));
      }
    }
    return outcome;
  };
  const res = runBatches(copyStates, env.deposit, {
    def: GetGpaPagesAccessStates,
    traits,
    total: count,
    header: (done) => ({
      partitionId: pt.id,
      flags,
      hvGpaPageNumber: (arg.gpapBase + BigInt(done)) & U64_MASK,
    }),
    op,
  });
  if (!res.ok) {
    if (res.last === undefined) throw new Error('GET_GPA_PAGES_ACCESS_STATES failed without a call');
    return failCall(op, res.last);
  }
  return ok(bitmap);
}
