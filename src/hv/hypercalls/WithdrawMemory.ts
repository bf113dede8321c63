import type { HypercallDef } from '../Hypercall.js';
import { HypercallCode } from '../HypercallCode.js';
import { Layout, u64 } from '../Layout.js';

/** hv_input_withdraw_memory (16 bytes, zeroed by the driver); the output page receives u64 GPAs. */
export const WithdrawMemoryInput = new Layout('hv_input_withdraw_memory', 16, [
  u64('partitionId', 0),
  u64('proximityDomainInfo', 8),
] as const);

/** HV_WITHDRAW_BATCH_SIZE = 4096/8 = 512: the output page holds 512 GPAs (an output-page bound). */
export const WITHDRAW_MEMORY_REPS_MAX = 512;

/**
 * Page count teardown passes to withdraw "all" (U64_MAX); the loop ends on NO_RESOURCES, which counts as
 * success.
 */
export const WITHDRAW_ALL_PAGES = 0xffff_ffff_ffff_ffffn;

/** HVCALL_WITHDRAW_MEMORY (0x0049, rep ≤ 512): take a partition's deposited pages back. */
export const WithdrawMemory = {
  name: 'WITHDRAW_MEMORY',
  code: HypercallCode.WITHDRAW_MEMORY,
  kind: 'rep',
  input: WithdrawMemoryInput,
  outputElement: { name: 'gpaPage', size: 8 },
  doc: 'Withdraw deposited pages (teardown, initialize failure).',
} as const satisfies HypercallDef;
