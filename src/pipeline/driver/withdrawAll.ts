import { HvStatus, hvResultToErrno } from '../../hv/HvStatus.js';
import type { PartitionId } from '../../hv/ids.js';
import { WITHDRAW_MEMORY_REPS_MAX, WithdrawMemory } from '../../hv/hypercalls/WithdrawMemory.js';
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
      const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
      const runs: PfnRun[] = [];
      for (let i = 0; i < outcome.repsCompleted; i++) {
        const pfn = Number(view.getBigUint64(i * 8, true));
        const last = runs.at(-1);
        if (last !== undefined && last.pfn + last.count === pfn)
          runs[runs.length - 1] = { pfn: last.pfn, count: last.count + 1 };
        else runs.push({ pfn, count: 1 });
      }
      env.kernel.freePages(runs);
      pages += outcome.repsCompleted;
    }
    if (outcome.result === HvStatus.NO_RESOURCES) return { errno: 0, pages };
    if (outcome.result !== HvStatus.SUCCESS) return { errno: hvResultToErrno(BigInt(outcome.result)), pages };
    if (outcome.repsCompleted === 0) return { errno: 0, pages };
  }
}
