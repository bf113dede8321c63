import type { HypercallDef } from '../Hypercall.js';
import { HypercallCode } from '../HypercallCode.js';
import { Layout, u64 } from '../Layout.js';

/** Fast8 register input: the partition id. */
export const DeletePartitionInput = new Layout('hv_input_delete_partition', 8, [
  u64('partitionId', 0),
] as const);

/**
 * HVCALL_DELETE_PARTITION (0x0043, fast8): last teardown step, after WITHDRAW_MEMORY(all), and the
 * create error path. Fast: no IRQ disabling (review point e.10).
 */
export const DeletePartition = {
  name: 'DELETE_PARTITION',
  code: HypercallCode.DELETE_PARTITION,
  kind: 'fast8',
  input: DeletePartitionInput,
  doc: 'Delete a partition (teardown, create error path).',
} as const satisfies HypercallDef;
