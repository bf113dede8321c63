import { WithdrawMemory, WithdrawMemoryInput } from '../../../src/hv/hypercalls/WithdrawMemory.js';
import { S, partitionIn, repHandler } from './Handler.js';

/**
 * WITHDRAW_MEMORY (rep, ≤ 512 = one output page of GPAs): rep i writes the i-th withdrawn page's GPA at
 * output index i (absolute). Only free pool pages come back; pages the hypervisor still uses stay
 * until FINALIZE_PARTITION releases them. When the free pool runs out the call answers NO_RESOURCES
 * with the reps done so far, which the driver's loop takes as the end (inventory §b.3). Any live
 * partition, in any state. The proximity domain is ignored (the model has one NUMA node), so nothing
 * in the input can be INVALID_PARAMETER.
 */
export const WithdrawMemoryHandler = repHandler(
  WithdrawMemory,
  [S.INVALID_PARTITION_ID, S.NO_RESOURCES],
  (ctx, from, to) => {
    const { partitionId } = WithdrawMemoryInput.decode(ctx.input);
    const found = partitionIn(ctx, partitionId, ['created', 'initialized', 'finalized']);
    if (!found.ok) return { status: found.status, done: 0 };
    const out = ctx.output;
    if (out === null) return { status: S.INVALID_HYPERCALL_INPUT, done: 0 };
    let i = from;
    const got = found.value.pool.withdraw(to - from, (pfn) => {
      out.setU64Number(i * 8, pfn);
      i++;
    });
    if (got < to - from) return { status: S.NO_RESOURCES, done: got };
    return { status: S.SUCCESS, done: got };
  },
);
