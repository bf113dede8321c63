import type { DriverEnv } from './DriverEnv.js';
import type { KernelPartition } from './KernelPartition.js';

/**
 * Rounds of hypervisor progress the model grants an async call before declaring it lost. The kernel
 * waits without bound (wait_for_completion is uninterruptible); a hypervisor that never completes
 * leaves the thread hung, which the model reports by throwing.
 */
export const ASYNC_WAIT_ROUNDS_MAX = 64;

/**
 * mshv_async_hvcall_handler (inventory §c.9): wait until the ISR has stored the partition's
 * HVMSG_ASYNC_CALL_COMPLETION, consume the completion, and return its 32-bit status, which replaces
 * CALL_PENDING as the call's status. Waiting lets the hypervisor run (env.shared.runHypervisor), which
 * is when it delivers the message to the ISR.
 *
 * @example
 * const status = awaitAsyncCompletion(env, pt); // 0 when SET_PARTITION_PROPERTY completed
 */
export function awaitAsyncCompletion(env: DriverEnv, pt: KernelPartition): number {
  for (let round = 0; !pt.asyncCompletionDone; round++) {
    if (round >= ASYNC_WAIT_ROUNDS_MAX) {
      throw new Error(
        `partition ${pt.id}: no HVMSG_ASYNC_CALL_COMPLETION after CALL_PENDING; the kernel would wait forever`,
      );
    }
    env.shared.runHypervisor();
  }
  pt.asyncCompletionDone = false;
  return pt.asyncCompletionStatus >>> 0;
}
