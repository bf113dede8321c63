import {
  HV_COMPATIBILITY_21_H2,
  HV_PARTITION_CREATION_FLAG,
  HV_PARTITION_ISOLATION_TYPE,
} from '../../../src/hv/flags/HvPartitionCreationFlag.js';
import {
  CreatePartition,
  CreatePartitionInput,
  CreatePartitionOutput,
} from '../../../src/hv/hypercalls/CreatePartition.js';
import { S, simpleHandler } from './Handler.js';

/** Creation flag bits the model knows (the ones the driver sets, §a.5); any other bit is INVALID_PARAMETER. */
export const KNOWN_CREATION_FLAGS = Object.values(HV_PARTITION_CREATION_FLAG).reduce(
  (m, b) => m | (1n << BigInt(b)),
  0n,
);

/**
 * CREATE_PARTITION: a new partition in the created state with the next deterministic id. Checks the
 * creation flags, the compatibility version (HV_COMPATIBILITY_21_H2 only) and the isolation word
 * (type NONE or SNP, its reserved bits 5–11 zero, no shared-GPA boundary without isolation), then
 * takes the partition object from the root's pool: INSUFFICIENT_MEMORY until the root has enough
 * (the driver deposits into the root and retries).
 */
export const CreatePartitionHandler = simpleHandler(
  CreatePartition,
  [S.INVALID_PARAMETER, S.INSUFFICIENT_MEMORY],
  (ctx) => {
    const v = CreatePartitionInput.decode(ctx.input);
    if ((v.flags & ~KNOWN_CREATION_FLAGS) !== 0n) return S.INVALID_PARAMETER;
    if (v.compatibilityVersion !== HV_COMPATIBILITY_21_H2) return S.INVALID_PARAMETER;
    const isolationType = Number(v.isolationProperties & 0x1fn);
    if ((v.isolationProperties & 0xfe0n) !== 0n) return S.INVALID_PARAMETER;
    if (
      isolationType !== HV_PARTITION_ISOLATION_TYPE.NONE &&
      isolationType !== HV_PARTITION_ISOLATION_TYPE.SNP
    )
      return S.INVALID_PARAMETER;
    if (isolationType === HV_PARTITION_ISOLATION_TYPE.NONE && v.isolationProperties !== 0n)
      return S.INVALID_PARAMETER;
    const m = ctx.m;
    const cost = m.knobs.costs.createPartitionRootPages;
    if (!m.root.pool.consume(cost)) return S.INSUFFICIENT_MEMORY;
    m.root.held.partition += cost;
    const p = m.createPartition(v.flags, isolationType);
    const out = ctx.output;
    if (out !== null) CreatePartitionOutput.encode({ partitionId: p.id }, out.view);
    return S.SUCCESS;
  },
);
