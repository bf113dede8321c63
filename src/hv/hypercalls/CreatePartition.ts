import type { HypercallDef } from '../Hypercall.js';
import { HypercallCode } from '../HypercallCode.js';
import { Layout, u32, u64 } from '../Layout.js';

/**
 * hv_input_create_partition (56 bytes, two processor-feature banks, x86-64). `padding` @20 is an
 * unnamed gap. The banks and xsave word are the *disabled*-feature masks (all zero unless the VMM set
 * MSHV_PT_BIT_CPU_AND_XSAVE_FEATURES); review point e.2: the driver copies caller-built properties
 * verbatim, so any non-zero reserved byte there reaches the hypervisor. `flags` takes
 * HV_PARTITION_CREATION_FLAG bits and `compatibilityVersion` HV_COMPATIBILITY_21_H2 (src/hv/flags).
 */
export const CreatePartitionInput = new Layout('hv_input_create_partition', 56, [
  u64('flags', 0),
  u64('proximityDomainInfo', 8),
  u32('compatibilityVersion', 16),
  u64('disabledProcessorFeatures0', 24),
  u64('disabledProcessorFeatures1', 32),
  u64('disabledProcessorXsaveFeatures', 40),
  u64('isolationProperties', 48),
] as const);

/** hv_output_create_partition: the new partition's id. */
export const CreatePartitionOutput = new Layout('hv_output_create_partition', 8, [
  u64('partitionId', 0),
] as const);

/**
 * HVCALL_CREATE_PARTITION (0x0040, simple): MSHV_CREATE_PARTITION. On INSUFFICIENT_MEMORY the driver
 * deposits 1 page into the root itself (not the child, which does not exist yet) and retries.
 */
export const CreatePartition = {
  name: 'CREATE_PARTITION',
  code: HypercallCode.CREATE_PARTITION,
  kind: 'simple',
  input: CreatePartitionInput,
  output: CreatePartitionOutput,
  doc: 'Create a partition (MSHV_CREATE_PARTITION); returns its id.',
} as const satisfies HypercallDef;
