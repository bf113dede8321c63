import type { HypercallDef } from '../Hypercall.js';
import { HypercallCode } from '../HypercallCode.js';
import { Layout, u32, u64 } from '../Layout.js';

/** hv_input_get_partition_property (16 bytes); `padding` @12 is an unnamed gap. */
export const GetPartitionPropertyInput = new Layout('hv_input_get_partition_property', 16, [
  u64('partitionId', 0),
  u32('propertyCode', 8),
] as const);

export const GetPartitionPropertyOutput = new Layout('hv_output_get_partition_property', 8, [
  u64('propertyValue', 0),
] as const);

/**
 * HVCALL_GET_PARTITION_PROPERTY (0x0044, simple): XSAVE sizing for MSHV_GET/SET_VP_STATE; on the
 * passthrough allow-list, including the NEW self-targeted list on /dev/mshv.
 */
export const GetPartitionProperty = {
  name: 'GET_PARTITION_PROPERTY',
  code: HypercallCode.GET_PARTITION_PROPERTY,
  kind: 'simple',
  input: GetPartitionPropertyInput,
  output: GetPartitionPropertyOutput,
  doc: 'Read a partition property (XSAVE sizing; passthrough).',
} as const satisfies HypercallDef;
