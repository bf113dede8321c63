import type { HypercallDef } from '../Hypercall.js';
import { HypercallCode } from '../HypercallCode.js';
import { Layout, u64 } from '../Layout.js';

/** Fast8 register input: the partition id. */
export const FinalizePartitionInput = new Layout('hv_input_finalize_partition', 8, [
  u64('partitionId', 0),
] as const);

/**
 * HVCALL_FINALIZE_PARTITION (0x0042, fast8): teardown step 3 (releases VPs and GPA mappings in the
 * hypervisor) and the NEW initialize error path. Fast: no IRQ disabling (review point e.10).
 */
export const FinalizePartition = {
  name: 'FINALIZE_PARTITION',
  code: HypercallCode.FINALIZE_PARTITION,
  kind: 'fast8',
  input: FinalizePartitionInput,
  doc: 'Finalize a partition before withdraw and delete (teardown, init error path).',
} as const satisfies HypercallDef;
