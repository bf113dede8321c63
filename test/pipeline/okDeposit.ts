import type { Deposited } from '../../src/pipeline/withDepositRetry.js';

/** What a depositor answers for a deposit that took. */
export const OK_DEPOSIT: Deposited = { errno: 0, call: null };
