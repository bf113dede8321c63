import type { HypercallDef } from '../Hypercall.js';
import { HypercallCode } from '../HypercallCode.js';
import { Layout, u32, u64 } from '../Layout.js';

/** hv_input_get_partition_property_ex (24 bytes); `padding` @12 is an unnamed gap. */
export const GetPartitionPropertyExInput = new Layout('hv_input_get_partition_property_ex', 24, [
  u64('partitionId', 0),
  u32('propertyCode', 8),
  u64('arg', 16),
] as const);

/**
 * HVCALL_GET_PARTITION_PROPERTY_EX (0x0101, simple; MID/NEW): module init reads VMM capabilities and
 * the integrated-scheduler flag on HV_PARTITION_ID_SELF; passthrough (NEW, also self-targeted). The
 * output is property-specific bytes, so no fixed output layout is modelled. Newer wrappers do not
 * zero the output page (review point e.8).
 */
export const GetPartitionPropertyEx = {
  name: 'GET_PARTITION_PROPERTY_EX',
  code: HypercallCode.GET_PARTITION_PROPERTY_EX,
  kind: 'simple',
  input: GetPartitionPropertyExInput,
  doc: 'Read an extended partition property (VMM capabilities, scheduler; passthrough).',
} as const satisfies HypercallDef;
