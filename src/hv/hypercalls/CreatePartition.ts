import type { HypercallDef } from '../Hypercall.js';
import { HypercallCode } from '../HypercallCode.js';
import { Layout, u32, u64 } from '../Layout.js';

/**
 * hv_input_create_partition (56 bytes, two processor-feature banks, x86-64). `padding` @20 is an
 * unnamed gap. The banks and xsave word are the *disabled*-feature masks (all zero unless the VMM set
 * MSHV_PT_BIT_CPU_AND_XSAVE_FEATURES); review point e.2: the driver copies caller-built properties
 * verbatim, so any non-zero reserved byte there reaches the hypervisor.
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

/** HV_COMPATIBILITY_21_H2: the compatibility version the driver always passes. */
export const HV_COMPATIBILITY_21_H2 = 0x0609;

/** HV_PARTITION_CREATION_FLAG_* bit positions the driver sets (inventory §a.5). */
export const PartitionCreationFlagBit = {
  SMT_ENABLED_GUEST: 0,
  NESTED_VIRTUALIZATION_CAPABLE: 1,
  GPA_SUPER_PAGES_ENABLED: 4,
  EXO_PARTITION: 8,
  LAPIC_ENABLED: 13,
  INTERCEPT_MESSAGE_PAGE_ENABLED: 19,
  X2APIC_CAPABLE: 22,
} as const;

/** EXO_PARTITION | INTERCEPT_MESSAGE_PAGE_ENABLED: set on every partition the driver creates. */
export const PARTITION_CREATION_FLAGS_ALWAYS =
  (1n << BigInt(PartitionCreationFlagBit.EXO_PARTITION)) |
  (1n << BigInt(PartitionCreationFlagBit.INTERCEPT_MESSAGE_PAGE_ENABLED));

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
