import {
  GetPartitionPropertyEx,
  GetPartitionPropertyExInput,
} from '../../../src/hv/hypercalls/GetPartitionPropertyEx.js';
import { getProperty } from '../model/Properties.js';
import { S, partitionIn, simpleHandler } from './Handler.js';

/**
 * GET_PARTITION_PROPERTY_EX: the same properties as GET_PARTITION_PROPERTY, written as a u64 at the
 * start of the output page. VMM_CAPABILITIES and INTEGRATED_SCHEDULER_ENABLED are not modelled (their
 * codes were not retrieved, inventory §f): UNKNOWN_PROPERTY, which the driver tolerates outside L1VH.
 * The output page is required (INVALID_HYPERCALL_INPUT without one).
 */
export const GetPartitionPropertyExHandler = simpleHandler(
  GetPartitionPropertyEx,
  [
    S.INVALID_PARTITION_ID,
    S.INVALID_PARTITION_STATE,
    S.UNKNOWN_PROPERTY,
    S.INVALID_PARAMETER,
    S.INVALID_HYPERCALL_INPUT,
  ],
  (ctx) => {
    const v = GetPartitionPropertyExInput.decode(ctx.input);
    if (ctx.output === null) return S.INVALID_HYPERCALL_INPUT;
    const found = partitionIn(ctx, v.partitionId, ['created', 'initialized']);
    if (!found.ok) return found.status;
    const read = getProperty(ctx.m, found.value, v.propertyCode);
    if (!read.ok) return read.status;
    ctx.output.view.setBigUint64(0, read.value, true);
    return S.SUCCESS;
  },
);
