import { HvStatus } from '../../hv/HvStatus.js';
import { DepositMemory } from '../../hv/hypercalls/DepositMemory.js';
import type { Invariant } from './Invariant.js';

/**
 * INSUFFICIENT_MEMORY never reaches the caller while memory can be deposited (inventory §b.3, §d:
 * the NEW driver deposits and retries internally; rep calls resume from reps completed). When an
 * operation fails with HV_STATUS_INSUFFICIENT_MEMORY, a DEPOSIT_MEMORY must have been issued after
 * the last call that asked for memory (the driver gave up only after its bounded retries, or its
 * deposit failed and the failure carries the deposit's errno instead).
 *
 * @example
 * depositRetry.afterStep?.(step, world); // 'MSHV_INITIALIZE_PARTITION failed with INSUFFICIENT_MEMORY from INITIALIZE_PARTITION without a deposit and retry'
 */
export const depositRetry: Invariant = {
  name: 'depositRetry',
  summary: 'INSUFFICIENT_MEMORY is answered by a deposit and a retry, never passed to the caller',
  afterCall(call, status, world) {
    if (call.def === DepositMemory) {
      world.scratch.owedDeposit = null;
      return null;
    }
    if (Number(status & 0xffffn) !== HvStatus.INSUFFICIENT_MEMORY) return null;
    world.scratch.owedDeposit = call.name;
    return undefined;
  },
  afterStep(step, world) {
    let applies = false;
    for (const r of step.results) {
      if (r.outcome.ok || r.outcome.hvStatus !== HvStatus.INSUFFICIENT_MEMORY) continue;
      applies = true;
      const owed = world.scratch.owedDeposit;
      if (owed !== null)
        return `${r.op} failed with INSUFFICIENT_MEMORY from ${owed} without a deposit and retry`;
    }
    return applies ? undefined : null;
  },
};
