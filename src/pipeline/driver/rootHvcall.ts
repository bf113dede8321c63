import { HV_MAX_CONTIGUOUS_ALLOCATION_PAGES } from '../../hv/KernelConstants.js';
import { errnoName } from '../../hv/Errno.js';
import { STATUS_NO_HYPERCALL_PAGE } from '../../hv/StatusWord.js';
import { PASSTHROUGH_ASYNC_CODES } from '../../hv/flags/PassthroughAllowList.js';
import { HvStatus, HvStatusPatchOnly, hvResultToErrno, hvStatusName } from '../../hv/HvStatus.js';
import { hypercallDefByCode } from '../../hv/hypercalls/index.js';
import { HV_PARTITION_ID_SELF } from '../../hv/ids.js';
import type { RootHvcallArgs, RootHvcallResult } from '../../ports/DevicePort.js';
import { HvPage } from '../../ports/HvPage.js';
import { HV_STATUS_SUCCESS } from '../CallPlan.js';
import { DEPOSIT_RETRIES_MAX } from '../withDepositRetry.js';
import { ROOT_HVCALL, checkRootHvcall } from './checkRootHvcall.js';
import type { DriverEnv } from './DriverEnv.js';
import { type IoctlResult, type MshvError, fail, ok } from './IoctlResult.js';
import type { KernelPartition, KernelVp } from './KernelPartition.js';

export { ROOT_HVCALL };

/** A failed passthrough whose status and reps were still copied back to the caller (NEW). */
export interface RootHvcallError extends MshvError {
  /** The 16-bit status of the last issue (or the async completion's). */
  readonly status: number;
  readonly reps: number;
}

/** hv_deposit_memory: pages per status that asks for memory (the contiguous code is patch-only). */
const DEPOSIT_PAGES = new Map<number, number>([
  [HvStatus.INSUFFICIENT_MEMORY, 1],
  [HvStatusPatchOnly.INSUFFICIENT_CONTIGUOUS_MEMORY, HV_MAX_CONTIGUOUS_ALLOCATION_PAGES],
]);

const CALL_PENDING: number = HvStatus.CALL_PENDING;

/**
 * MSHV_ROOT_HVCALL (NEW, inventory §b.4, §c.9, §d) on a partition fd, a VP fd (`vp` set) or
 * /dev/mshv (`pt` undefined: self-targeted). After checkRootHvcall, an async code needs the gate
 * (one completion per partition: EPERM while one is completed but unconsumed) and re-arms it. The
 * input is copied to a fresh page and its first u64 overwritten with the target partition id (the
 * partition's, or HV_PARTITION_ID_SELF), so a caller cannot reach another partition. Then issue
 * (reps > 0: a rep call resuming from reps completed) until success: CALL_PENDING from the async code
 * waits for the ISR's completion and takes its status, from any other code → EBADFD with nothing
 * copied back; a status asking for memory deposits into the target (1 page, or 8 for the contiguous
 * variant) and retries, a rep call resuming at the reps completed with rep start preset; any other
 * status → hv_result_to_errno, with status and reps still returned. Output (out_sz bytes) only on
 * success. (ORIG, for comparison: INSUFFICIENT_MEMORY deposited 1 page and returned -EAGAIN for the
 * caller to retry, and the output was copied back on failure too; inventory §d.)
 *
 * @example
 * rootHvcall(env, pt, undefined, { code: 0x44, reps: 0, input: new Uint8Array(16), outSz: 8 });
 */
export function rootHvcall(
  env: DriverEnv,
  pt: KernelPartition | undefined,
  vp: KernelVp | undefined,
  arg: RootHvcallArgs,
): IoctlResult<RootHvcallResult> {
  const op = ROOT_HVCALL;
  const invalid = checkRootHvcall(pt, vp, arg);
  if (invalid !== undefined) return invalid;
  const isAsync = PASSTHROUGH_ASYNC_CODES.includes(arg.code);
  if (isAsync && pt !== undefined) {
    if (!env.hooks.asyncGateOpen(pt))
      return fail(op, 'EPERM', 'another async hypercall completed and was not consumed');
    pt.asyncCompletionDone = false; // reinit_completion
  }
  const pass = env.passthrough;
  const def = hypercallDefByCode(arg.code);
  if (def === undefined) throw new Error(`allow-listed code 0x${arg.code.toString(16)} has no definition`);

  const target = pt?.id ?? HV_PARTITION_ID_SELF;
  const input = new HvPage();
  input.bytes.set(arg.input);
  input.view.setBigUint64(0, target, true);
  const output = arg.outSz > 0 ? new HvPage() : null;
  let reps = 0;
  let deposits = 0;
  for (;;) {
    let status = pass({
      def,
      reps: arg.reps,
      repStart: reps,
      input,
      inputLength: arg.input.length,
      output,
      outputLength: arg.outSz,
      op,
    });
    // All ones: no hypercall page (§b.1), EOPNOTSUPP with no rep done, whatever its rep bits say.
    if (status === STATUS_NO_HYPERCALL_PAGE)
      return failStatus(def.name, 0xffff, reps, -hvResultToErrno(status));
    if (arg.reps > 0) reps = Number((status >> 32n) & 0xfffn);
    if (Number(status & 0xffffn) === CALL_PENDING) {
      if (!isAsync || pt === undefined) return fail(op, 'EBADFD', `${def.name} returned CALL_PENDING`);
      status = BigInt(env.hooks.awaitAsyncCompletion(env, pt));
    }
    const result = Number(status & 0xffffn);
    if (result === HV_STATUS_SUCCESS)
      return ok({ status: result, reps, output: output?.bytes.slice(0, arg.outSz) ?? new Uint8Array(0) });
    const pages = DEPOSIT_PAGES.get(result);
    if (pages === undefined || deposits >= DEPOSIT_RETRIES_MAX)
      return failStatus(def.name, result, reps, -hvResultToErrno(BigInt(result)));
    const deposited = env.deposit(target, pages);
    if (deposited.errno !== 0) {
      const call =
        deposited.call === null ? '' : `: DEPOSIT_MEMORY HV_STATUS_${hvStatusName(deposited.call.result)}`;
      return failStatus(def.name, result, reps, -deposited.errno, `deposit for a retry failed${call}`);
    }
    deposits += 1;
  }
}

function failStatus(
  hypercall: string,
  status: number,
  reps: number,
  errno: number,
  why?: string,
): IoctlResult<never> {
  const name = hvStatusName(status);
  const error: RootHvcallError = {
    errno,
    errnoName: errnoName(errno) ?? `E${errno}`,
    hvStatus: status,
    hvStatusName: name,
    hypercall,
    op: ROOT_HVCALL,
    message: `${hypercall} failed: HV_STATUS_${name}${why === undefined ? '' : `; ${why}`}`,
    status,
    reps,
  };
  return { ok: false, error };
}
