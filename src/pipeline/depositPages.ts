import { traitsOf } from '../hv/Hypercall.js';
import type { PartitionId } from '../hv/ids.js';
import { DepositMemory, DEPOSIT_MEMORY_REPS_MAX } from '../hv/hypercalls/DepositMemory.js';
import { Errno } from '../hv/Errno.js';
import { HV_STATUS_SUCCESS } from './CallPlan.js';
import type { Executor } from './Executor.js';
import type { KernelPages } from './KernelPages.js';
import { outcomeErrno } from './outcomeErrno.js';
import { type PfnRun, PfnRunList } from './PfnRuns.js';
import type { Deposited } from './withDepositRetry.js';

/**
 * A deposit that took: errno 0 (one shared value, so a 1 TiB map's deposits allocate nothing for it).
 *
 * @example
 * const always: Depositor = () => DEPOSITED; // a depositor that never fails
 */
export const DEPOSITED: Deposited = { errno: 0, call: null };

const traits = traitsOf(DepositMemory);

/** Deposits made, for the run summary and the conservation checks. */
export interface DepositLedger {
  deposit(target: PartitionId, pages: number): void;
}

/**
 * hv_call_deposit_pages (inventory §b.3): allocate `count` pages and hand them to `target` with one
 * rep DEPOSIT_MEMORY (rep count = count, at most HV_DEPOSIT_MAX = 511, else -E2BIG; 0 is a no-op).
 * Returns errno 0, or a negative errno with the failed DEPOSIT_MEMORY call when that is what failed
 * (none when the pages could not be allocated). On failure the kernel frees every page it
 * allocated; here only the pages the hypervisor did not accept (reps completed onward) go back to the host, because the
 * accepted ones now belong to the partition (docs/DECISIONS.md, "deposit failure"). An all-ones status
 * (no hypercall page) accepted nothing and is -EOPNOTSUPP; an outcome claiming more reps than pages
 * were deposited is a broken invariant and throws before the ledger is credited.
 *
 * @example
 * depositPages(exec, pages, ledger, partitionId(5n), 208, 'MSHV_INITIALIZE_PARTITION'); // { errno: 0, call: null }
 */
export function depositPages(
  exec: Executor,
  kernel: KernelPages,
  ledger: DepositLedger,
  target: PartitionId,
  count: number,
  op: string,
): Deposited {
  if (count === 0) return DEPOSITED;
  if (count > DEPOSIT_MEMORY_REPS_MAX) return { errno: -Errno.E2BIG, call: null };
  const runs = kernel.allocPages(count);
  if (runs === null) return { errno: -Errno.ENOMEM, call: null };
  const list = new PfnRunList(runs);
  const outcome = exec({
    def: DepositMemory,
    traits,
    header: { partitionId: target },
    repCount: count,
    list,
    op,
  });
  if (outcome.repsCompleted > count)
    throw new Error(
      `DEPOSIT_MEMORY (${op}): ${outcome.repsCompleted} reps completed reported for ${count} pages deposited`,
    );
  if (outcome.repsCompleted > 0) ledger.deposit(target, outcome.repsCompleted);
  if (outcome.result === HV_STATUS_SUCCESS) return DEPOSITED;
  kernel.freePages(tailRuns(runs, outcome.repsCompleted));
  return { errno: outcomeErrno(outcome), call: outcome };
}

/**
 * The runs covering pages `[skip, total)`.
 *
 * @example
 * tailRuns([{ pfn: 0x100, count: 4 }, { pfn: 0x200, count: 4 }], 6); // [{ pfn: 0x202, count: 2 }]
 */
export function tailRuns(runs: readonly PfnRun[], skip: number): PfnRun[] {
  const out: PfnRun[] = [];
  let left = skip;
  for (const r of runs) {
    if (left >= r.count) {
      left -= r.count;
      continue;
    }
    out.push({ pfn: r.pfn + left, count: r.count - left });
    left = 0;
  }
  return out;
}
