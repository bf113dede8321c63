import type { HypercallDef } from '../Hypercall.js';
import { HypercallCode } from '../HypercallCode.js';
import { Layout, u64 } from '../Layout.js';

/** Fast8 register input: the partition id. */
export const InitializePartitionInput = new Layout('hv_input_initialize_partition', 8, [
  u64('partitionId', 0),
] as const);

/**
 * HV_INIT_PARTITION_DEPOSIT_PAGES: pages the driver deposits before INITIALIZE_PARTITION (empirical
 * kernel constant, inventory §b.3).
 */
export const INIT_PARTITION_DEPOSIT_PAGES = 208;

/**
 * HVCALL_INITIALIZE_PARTITION (0x0041, fast8): MSHV_INITIALIZE_PARTITION, created → initialized; 1-page
 * deposit per retry, WITHDRAW_MEMORY(all) on failure. Fast: no IRQ disabling (review point e.10).
 */
export const InitializePartition = {
  name: 'INITIALIZE_PARTITION',
  code: HypercallCode.INITIALIZE_PARTITION,
  kind: 'fast8',
  input: InitializePartitionInput,
  doc: 'Initialize a created partition (after the 208-page deposit).',
} as const satisfies HypercallDef;
