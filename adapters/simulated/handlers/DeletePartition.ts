import { DeletePartition, DeletePartitionInput } from '../../../src/hv/hypercalls/DeletePartition.js';
import { S, partitionIn, simpleHandler } from './Handler.js';

/**
 * DELETE_PARTITION (fast8): from created (the driver's create error path) or finalized; an
 * initialized partition must be finalized first (INVALID_PARTITION_STATE). The root partition can
 * never be deleted, whatever its state (ACCESS_DENIED, checked first). The partition object goes
 * back to the root's pool. Pages still deposited (not withdrawn) stay attributed to the deleted
 * partition: nobody can withdraw them any more, and `audit()` reports them as leaked. A partition
 * deleted with no page left in its pool and no host page still exclusive to it is forgotten
 * (`HvModel.forgetIfClean`); otherwise its key is not reused, so its exclusive pages never pass to a
 * later partition.
 */
export const DeletePartitionHandler = simpleHandler(
  DeletePartition,
  [S.INVALID_PARTITION_ID, S.INVALID_PARTITION_STATE, S.ACCESS_DENIED],
  (ctx) => {
    const { partitionId } = DeletePartitionInput.decode(ctx.input);
    if (ctx.m.resolve(partitionId)?.isRoot === true) return S.ACCESS_DENIED;
    const found = partitionIn(ctx, partitionId, ['created', 'finalized']);
    if (!found.ok) return found.status;
    const p = found.value;
    if (p.state === 'created') ctx.m.finalize(p);
    const m = ctx.m;
    const cost = m.knobs.costs.createPartitionRootPages;
    m.root.pool.release(cost);
    m.root.held.partition -= cost;
    p.state = 'deleted';
    // Deleted clean, the partition is forgotten (the model holds what is live, not every partition
    // a long run created); one that still has deposited pages stays, for the audit to report them,
    // and so does one with SNP pages still exclusive to it: its key is not reused while they are.
    m.forgetIfClean(p);
    return S.SUCCESS;
  },
);
