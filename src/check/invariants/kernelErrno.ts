import { errnoName } from '../../hv/Errno.js';
import { HvStatus, hvResultToErrno, hvStatusName } from '../../hv/HvStatus.js';
import { EXPECTED_ERRNO, expectedRunErrno } from '../expectedErrno.js';
import type { Invariant } from './Invariant.js';

/**
 * Every rejected operation carries the errno the kernel would return (inventory §d), and every
 * failed one the errno its hypervisor status maps to (hv_result_to_errno, §b.2). A refusal's rule is
 * looked up in `EXPECTED_ERRNO`, written from the reference independently of the machines (a RUN
 * refused by `partitionAcceptsRun` by the partition's phase); a rule the table does not know is a
 * violation too, so a new rule must be given its errno. Each failed result with a hypervisor status
 * must carry a 16-bit status (hv_result(), seed review point 9) and `-hv_result_to_errno(status)`.
 * A failed result without a status whose operation met a hypercall failure the driver does not
 * absorb (anything but CALL_PENDING, INSUFFICIENT_MEMORY, which a deposit answers, and NO_RESOURCES,
 * which ends a withdraw) carries the errno of that failure, as the kernel returns it (a mutant that
 * answered a failed map EFAULT passed before).
 *
 * @example
 * kernelErrno.afterStep?.(step, world); // 'CREATE_VP refused by vpSlotFree with EBUSY; the kernel returns EEXIST'
 */
/** Failures the driver answers itself: a deposit and retry, the end of a withdraw, an async wait. */
const ABSORBED: ReadonlySet<number> = new Set([
  HvStatus.SUCCESS,
  HvStatus.CALL_PENDING,
  HvStatus.INSUFFICIENT_MEMORY,
  HvStatus.NO_RESOURCES,
]);

export const kernelErrno: Invariant = {
  name: 'kernelErrno',
  summary:
    'refusals carry the kernel errno of their rule (inventory §d); failures carry hv_result_to_errno of their status',
  onOperation(op, world) {
    world.scratch.operation = op.id;
    return null;
  },
  afterCall(call, status, world) {
    const id = world.scratch.operation;
    const result = Number(status & 0xffffn);
    if (id === null || ABSORBED.has(result) || world.scratch.failedCalls.has(id)) return null;
    world.scratch.failedCalls.set(id, { call: call.name, status: result });
    return null;
  },
  afterStep(step, world) {
    let applies = false;
    const o = step.outcome;
    if (o?.status === 'rejected' && step.step.kind === 'intent') {
      applies = true;
      const args = step.step.args as { readonly key?: string; readonly request?: { readonly type?: string } };
      const what = args.request?.type ?? step.step.name;
      let want = EXPECTED_ERRNO[o.rule];
      if (o.rule === 'partitionAcceptsRun') {
        const phase =
          args.key === undefined ? undefined : world.plane.partitionSnapshot(args.key)?.context.phase;
        want = phase === undefined ? undefined : expectedRunErrno(phase);
      }
      if (want === undefined)
        return `${what} refused by rule '${o.rule}', which has no errno in the reference table`;
      if (want !== o.errno) return `${what} refused by ${o.rule} with ${o.errno}; the kernel returns ${want}`;
    }
    for (const r of step.results) {
      if (r.outcome.ok) continue;
      if (r.outcome.hvStatus === null) {
        const failed = r.id === null ? undefined : world.scratch.failedCalls.get(r.id);
        if (failed === undefined) continue;
        applies = true;
        const errno = -hvResultToErrno(BigInt(failed.status));
        if (r.outcome.errno === errno) continue;
        return `${r.op} failed with ${r.outcome.errnoName} after ${failed.call} answered HV_STATUS_${hvStatusName(failed.status)}: the kernel returns hv_result_to_errno of it (${errnoName(errno) ?? errno})`;
      }
      applies = true;
      const status = r.outcome.hvStatus;
      // hv_result() is the low 16 bits of the status word: a wider value was never masked (point 9).
      if (!Number.isInteger(status) || status < 0 || status > 0xffff)
        return `${r.op} failed with status ${typeof status === 'number' ? `0x${status.toString(16)}` : String(status)}, which is no hypervisor status: hv_result() is the low 16 bits of the status word`;
      const want = -hvResultToErrno(BigInt(status));
      if (r.outcome.errno !== want)
        return `${r.op} failed with ${r.outcome.errnoName} for HV_STATUS_${r.outcome.hvStatusName ?? '?'}; hv_result_to_errno gives ${want}`;
    }
    return applies ? undefined : null;
  },
};
