import type { HypercallDef } from '../Hypercall.js';
import { HypercallCode } from '../HypercallCode.js';
import { Layout, u64 } from '../Layout.js';

/** hv_deposit_memory (8-byte header) followed by a u64 GPA page list. */
export const DepositMemoryInput = new Layout('hv_deposit_memory', 8, [u64('partitionId', 0)] as const);

/**
 * HV_DEPOSIT_MAX = 4096/8 − 1 = 511: the page holds 512 u64s and the first is the partition id. The
 * driver returns -E2BIG for a larger request (inventory §b.3); `traitsOf` derives the same number.
 */
export const DEPOSIT_MEMORY_REPS_MAX = 511;

/** HVCALL_DEPOSIT_MEMORY (0x0048, rep ≤ 511): hand pages to a partition's hypervisor memory pool. */
export const DepositMemory = {
  name: 'DEPOSIT_MEMORY',
  code: HypercallCode.DEPOSIT_MEMORY,
  kind: 'rep',
  input: DepositMemoryInput,
  inputElement: { name: 'gpaPage', size: 8 },
  doc: 'Deposit pages into a partition (upfront and on INSUFFICIENT_MEMORY).',
} as const satisfies HypercallDef;
