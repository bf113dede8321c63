import {
  GetPartitionProperty,
  GetPartitionPropertyInput,
  GetPartitionPropertyOutput,
} from '../../../src/hv/hypercalls/GetPartitionProperty.js';
import { getProperty } from '../model/Properties.js';
import { S, partitionIn, simpleHandler } from './Handler.js';

/** GET_PARTITION_PROPERTY: one u64 property of a created or initialized partition (SELF: the root). */
export const GetPartitionPropertyHandler = simpleHandler(
  GetPartitionProperty,
  [S.INVALID_PARTITION_ID, S.INVALID_PARTITION_STATE, S.UNKNOWN_PROPERTY, S.INVALID_PARAMETER],
  (ctx) => {
    const v = GetPartitionPropertyInput.decode(ctx.input);
    const found = partitionIn(ctx, v.partitionId, ['created', 'initialized']);
    if (!found.ok) return found.status;
    const read = getProperty(ctx.m, found.value, v.propertyCode);
    if (!read.ok) return read.status;
    if (ctx.output !== null)
      GetPartitionPropertyOutput.encode({ propertyValue: read.value }, ctx.output.view);
    return S.SUCCESS;
  },
);
