import { FinalizePartition, FinalizePartitionInput } from '../../../src/hv/hypercalls/FinalizePartition.js';
import { S, partitionIn, simpleHandler } from './Handler.js';

/**
 * FINALIZE_PARTITION (fast8): from created or initialized; releases the VPs (and their state and
 * stats pages), every GPA mapping and its page tables, and the partition's ports and connections, all
 * back to the pools, so WITHDRAW_MEMORY can take everything next (inventory §c.12 step 3). The root
 * cannot finalize itself (ACCESS_DENIED).
 */
export const FinalizePartitionHandler = simpleHandler(
  FinalizePartition,
  [S.INVALID_PARTITION_ID, S.INVALID_PARTITION_STATE, S.ACCESS_DENIED],
  (ctx) => {
    const { partitionId } = FinalizePartitionInput.decode(ctx.input);
    const found = partitionIn(ctx, partitionId, ['created', 'initialized']);
    if (!found.ok) return found.status;
    if (found.value.isRoot) return S.ACCESS_DENIED;
    ctx.m.finalize(found.value);
    return S.SUCCESS;
  },
);
