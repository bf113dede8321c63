import type { HypercallDef, HypercallTraits } from '../hv/Hypercall.js';
import { HvStatus } from '../hv/HvStatus.js';
import type { CallOutcome, DepositPolicy, ListWriter } from './CallPlan.js';
import type { Executor } from './Executor.js';
import { DEPOSIT_RETRIES_MAX, type Deposited, type Depositor } from './withDepositRetry.js';

/** A rep hypercall over a whole list, before it is cut into batches. */
export interface BatchRequest {
  readonly def: HypercallDef;
  readonly traits: HypercallTraits;
  /** Elements (reps) in all; in large-page mode these are 2 MiB units. */
  readonly total: number;
  /** The fixed header for the batch that starts at element `done`. */
  readonly header: (done: number) => Readonly<Record<string, unknown>>;
  readonly list?: ListWriter;
  readonly deposit?: DepositPolicy;
  readonly op: string;
}

export interface BatchResult {
  /** Elements completed in all (a prefix of the list). */
  readonly done: number;
  /** The last outcome, or undefined when `total` was 0. */
  readonly last: CallOutcome | undefined;
  readonly ok: boolean;
  readonly depositedPages: number;
  /** Set when a deposit failed: what it gave (its negative errno, the DEPOSIT_MEMORY call if one failed). */
  readonly depositFailed?: Deposited;
  readonly batches: number;
}

/**
 * The kernel's batch loop (hv_do_map_gpa_hcall, hv_call_unmap_gpa_pages,
 * hv_call_get_gpa_access_states …): cut the list into batches of `traits.batchRepsMax`, issue each
 * (the executor resumes partial completion inside its window), advance by the reps completed, and
 * on INSUFFICIENT_MEMORY deposit and continue from where the hypervisor stopped (at most
 * DEPOSIT_RETRIES_MAX deposits in a row without a rep completed in between). Stops at the first
 * other failure; `done` says exactly how much of the list took effect, which is what a caller needs
 * to unwind (inventory §d, "release obligations"). The executor is swappable, so its outcomes are
 * checked as issueRep checks the hypervisor's: a batch reporting more reps completed than it carried,
 * or SUCCESS with none (no progress: the loop would never end), is a broken invariant and throws
 * naming the call and `done`, before anything is counted.
 *
 * @example
 * runBatches(exec, deposit, { def: UnmapGpaPages, traits, total: 1 << 18, header: (d) => ({ … }), op });
 */
export function runBatches(exec: Executor, deposit: Depositor, req: BatchRequest): BatchResult {
  let done = 0;
  let deposited = 0;
  let retries = 0;
  let batches = 0;
  let last: CallOutcome | undefined;
  const max = req.traits.batchRepsMax;
  while (done < req.total) {
    const count = Math.min(max, req.total - done);
    const plan = {
      def: req.def,
      traits: req.traits,
      header: req.header(done),
      repCount: count,
      listFrom: done,
      op: req.op,
      ...(req.list === undefined ? {} : { list: req.list }),
    };
    last = exec(plan);
    batches += 1;
    if (last.repsCompleted > count || (last.repsCompleted === 0 && last.result === HvStatus.SUCCESS))
      throw new Error(brokenBatch(req, done, count, last.repsCompleted));
    done += last.repsCompleted;
    // The retry budget bounds deposits that buy no progress; any reps completed renew it.
    if (last.repsCompleted > 0) retries = 0;
    if (last.result === HvStatus.SUCCESS) continue;
    if (
      last.result === HvStatus.INSUFFICIENT_MEMORY &&
      req.deposit !== undefined &&
      retries < DEPOSIT_RETRIES_MAX
    ) {
      const d = deposit(req.deposit.target, req.deposit.pagesPerRetry);
      if (d.errno !== 0)
        return { done, last, ok: false, depositedPages: deposited, depositFailed: d, batches };
      deposited += req.deposit.pagesPerRetry;
      retries += 1;
      continue;
    }
    return { done, last, ok: false, depositedPages: deposited, batches };
  }
  return { done, last, ok: true, depositedPages: deposited, batches };
}

/** The message for a batch outcome that breaks the executor's contract (too many reps, or none on SUCCESS). */
function brokenBatch(req: BatchRequest, done: number, count: number, reps: number): string {
  const where = `${req.def.name} (${req.op}) at element ${done} of ${req.total}`;
  return reps > count
    ? `${where}: ${reps} reps completed reported for a batch of ${count}`
    : `${where}: SUCCESS with no rep completed of a batch of ${count} (no progress)`;
}
