import { HvStatus } from '../../hv/HvStatus.js';
import type { PartitionId } from '../../hv/ids.js';
import { WITHDRAW_MEMORY_REPS_MAX, WithdrawMemory } from '../../hv/hypercalls/WithdrawMemory.js';
import { outcomeErrno } from '../outcomeErrno.js';
import type { PfnRun } from '../PfnRuns.js';
import type { DriverEnv } from './DriverEnv.js';
import { plan } from './plan.js';

/**
 * hv_call_withdraw_memory(U64_MAX, …) (inventory §b.3): withdraw in batches of 512 (the output page
 * holds 512 GPAs), free every page the hypervisor hands back, and stop on NO_RESOURCES, which counts
 * as success. Returns 0 or a negative errno, and the number of pages withdrawn.
 *
 * @example
 * withdrawAll(env, pt.id, 'MSHV_RELEASE'); // { errno: 0, pages: 208 }
 */
export function withdrawAll(
  env: DriverEnv,
  partition: PartitionId,
  op: string,
): { errno: number; pages: number } {
  let pages = 0;
  for (;;) {
    const outcome = env.execOnce(
      plan(WithdrawMemory, { partitionId: partition, proximityDomainInfo: 0n }, op, {
        repCount: WITHDRAW_MEMORY_REPS_MAX,
      }),
    );
    const out = outcome.output;
    if (out !== undefined && outcome.repsCompleted > 0) {
      env.kernel.freePages(
        pfnRunsOf(new DataView(out.buffer, out.byteOffset, out.byteLength), outcome.repsCompleted),
      );
      pages += outcome.repsCompleted;
    }
    if (outcome.result === HvStatus.NO_RESOURCES) return { errno: 0, pages };
    if (outcome.result !== HvStatus.SUCCESS) return { errno: outcomeErrno(outcome), pages };
    if (outcome.repsCompleted === 0) return { errno: 0, pages };
  }
}

/**
 * The PFNs of a WITHDRAW_MEMORY output page as runs of consecutive PFNs, in either direction: the
 * kernel frees each page on its own (`__free_page`), and a hypervisor that hands a stack back gives
 * them in descending order, so a run grows at either end. A PFN that repeats starts a run of its own
 * (the host's free reports the double free).
 */
function pfnRunsOf(view: DataView, count: number): PfnRun[] {
  const runs: PfnRun[] = [];
  let lo = -1;
  let n = 0;
  let dir = 0;
  for (let i = 0; i < count; i++) {
    const pfn = Number(view.getBigUint64(i * 8, true));
    if (n > 0 && dir >= 0 && pfn === lo + n) {
      n += 1;
      dir = 1;
    } else if (n > 0 && dir <= 0 && pfn === lo - 1) {
      lo = pfn;
      n += 1;
      dir = -1;
    } else {
      if (n > 0) runs.push({ pfn: lo, count: n });
      lo = pfn;
      n = 1;
      dir = 0;
    }
  }
  if (n > 0) runs.push({ pfn: lo, count: n });
  return runs;
}
