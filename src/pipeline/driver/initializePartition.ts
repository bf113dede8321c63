import {
  INIT_PARTITION_DEPOSIT_PAGES,
  InitializePartition,
} from '../../hv/hypercalls/InitializePartition.js';
import { HV_STATUS_SUCCESS } from '../CallPlan.js';
import type { DriverEnv } from './DriverEnv.js';
import { failOutcome } from './failOutcome.js';
import { type IoctlResult, failDeposit, ok } from './IoctlResult.js';
import type { KernelPartition } from './KernelPartition.js';
import { plan } from './plan.js';
import { withdrawAll } from './withdrawAll.js';

export const INITIALIZE_PARTITION = 'MSHV_INITIALIZE_PARTITION';

/**
 * MSHV_INITIALIZE_PARTITION (inventory §c.3): idempotent; deposit HV_INIT_PARTITION_DEPOSIT_PAGES
 * (208), then INITIALIZE_PARTITION (fast8) with 1-page deposit retries. On failure, withdraw every
 * deposited page and return the error. (NEW also creates debugfs entries, not modelled.)
 *
 * @example
 * initializePartition(env, pt); // { ok: true }
 */
export function initializePartition(env: DriverEnv, pt: KernelPartition): IoctlResult<void> {
  const op = INITIALIZE_PARTITION;
  if (pt.initialized) return ok(undefined);
  // hv_call_initialize_partition deposits first; any failure of it (the deposit included) reaches the
  // ioctl's withdraw_mem: every page the hypervisor accepted comes back before the error returns.
  const deposited = env.deposit(pt.id, INIT_PARTITION_DEPOSIT_PAGES);
  if (deposited.errno !== 0) {
    withdrawAll(env, pt.id, op);
    return failDeposit(op, deposited, `deposit of ${INIT_PARTITION_DEPOSIT_PAGES} pages`);
  }
  const outcome = env.exec(
    plan(InitializePartition, { partitionId: pt.id }, op, { deposit: { target: pt.id, pagesPerRetry: 1 } }),
  );
  if (outcome.result !== HV_STATUS_SUCCESS) {
    withdrawAll(env, pt.id, op);
    // A deposit for a retry that fails ends the loop with its own errno (inventory §b.3).
    return failOutcome(op, outcome);
  }
  pt.initialized = true;
  return ok(undefined);
}
