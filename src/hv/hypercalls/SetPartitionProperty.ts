import type { HypercallDef } from '../Hypercall.js';
import { HypercallCode } from '../HypercallCode.js';
import { Layout, u32, u64 } from '../Layout.js';

/** hv_input_set_partition_property (24 bytes); `padding` @12 is an unnamed gap. */
export const SetPartitionPropertyInput = new Layout('hv_input_set_partition_property', 24, [
  u64('partitionId', 0),
  u32('propertyCode', 8),
  u64('propertyValue', 16),
] as const);

/**
 * HVCALL_SET_PARTITION_PROPERTY (0x0045, simple, async): passthrough only, and only through the
 * partition fd. It may answer CALL_PENDING and complete later with HVMSG_ASYNC_CALL_COMPLETION; one
 * async call in flight per partition (inventory §c.9, the seed review's async comment).
 */
export const SetPartitionProperty = {
  name: 'SET_PARTITION_PROPERTY',
  code: HypercallCode.SET_PARTITION_PROPERTY,
  kind: 'simple',
  async: true,
  input: SetPartitionPropertyInput,
  doc: 'Set a partition property (passthrough only; the one async call).',
} as const satisfies HypercallDef;
