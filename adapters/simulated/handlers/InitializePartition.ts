import {
  InitializePartition,
  InitializePartitionInput,
} from '../../../src/hv/hypercalls/InitializePartition.js';
import { S, partitionIn, simpleHandler } from './Handler.js';

/**
 * INITIALIZE_PARTITION (fast8): created → initialized, taking `initializePages` from the partition's
 * pool (the driver deposits 208 first and 1 per retry). Any other state is INVALID_PARTITION_STATE:
 * the driver's own idempotence (already initialized → 0) is the driver's business.
 */
export const InitializePartitionHandler = simpleHandler(
  InitializePartition,
  [S.INVALID_PARTITION_ID, S.INVALID_PARTITION_STATE, S.INSUFFICIENT_MEMORY],
  (ctx) => {
    const { partitionId } = InitializePartitionInput.decode(ctx.input);
    const found = partitionIn(ctx, partitionId, ['created']);
    if (!found.ok) return found.status;
    const p = found.value;
    const cost = ctx.m.knobs.costs.initializePages;
    if (!p.pool.consume(cost)) return S.INSUFFICIENT_MEMORY;
    p.held.partition += cost;
    p.state = 'initialized';
    return S.SUCCESS;
  },
);
