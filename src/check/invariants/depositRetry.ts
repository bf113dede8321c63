import { HvStatus } from '../../hv/HvStatus.js';
import { DepositMemory } from '../../hv/hypercalls/DepositMemory.js';
import type { Invariant } from './Invariant.js';

/**
 * INSUFFICIENT_MEMORY never reaches the caller while memory can be deposited (inventory §b.3, §d:
 * the NEW driver deposits and retries internally; rep calls resume from reps completed). When an
 * operation fails with HV_STATUS_INSUFFICIENT_MEMORY, the last call that asked for memory must have
 * had a DEPOSIT_MEMORY issued after it and then been issued again (the driver gave up only after
 * its bounded retries, or its deposit failed and the failure carries the deposit's errno instead).
 * A deposit alone does not settle the debt: a driver that deposits and then hands the status to the
 * caller without retrying breaks it too.
 *
 * @example
 * depositRetry.afterStep?.(step, world); // 'MSHV_INITIALIZE_PARTITION failed with INSUFFICIENT_MEMORY from INITIALIZE_PARTITION without a deposit and retry'
 */
export const depositRetry: Invariant = {
  name: 'depositRetry',
  summary: 'INSUFFICIENT_MEMORY is answered by a deposit and a retry, never passed to the caller',
  afterCall(call, status, world) {
    const s = world.scratch;
    if (call.def === DepositMemory) {
      // A refused deposit ends the retry loop with the deposit's errno: nothing more is owed.
      s.owedRetry = Number(status & 0xffffn) === HvStatus.SUCCESS ? (s.owedDeposit ?? s.owedRetry) : null;
      s.owedDeposit = null;
      return null;
    }
    if (call.name === s.owedRetry) s.owedRetry = null;
    if (Number(status & 0xffffn) !== HvStatus.INSUFFICIENT_MEMORY) return null;
    s.owedDeposit = call.name;
    return undefined;
  },
  afterStep(step, world) {
    let applies = false;
    for (const r of step.results) {
      if (r.outcome.ok || r.outcome.hvStatus !== HvStatus.INSUFFICIENT_MEMORY) continue;
      applies = true;
      const { owedDeposit, owedRetry } = world.scratch;
      if (owedDeposit !== null)
        return `${r.op} failed with INSUFFICIENT_MEMORY from ${owedDeposit} without a deposit and retry`;
      if (owedRetry !== null)
        return `${r.op} failed with INSUFFICIENT_MEMORY from ${owedRetry}: memory was deposited but the call was never retried`;
    }
    return applies ? undefined : null;
  },
};
