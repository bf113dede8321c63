import type { DriverEnv } from './DriverEnv.js';
import type { KernelPartition, KernelVp } from './KernelPartition.js';

export const RUN_VP = 'MSHV_RUN_VP';

/**
 * Most times one wait lets the hypervisor run before the model declares it a hang. A real thread
 * would sleep until a signal; a deterministic model must end, so exceeding the bound is a broken
 * invariant (the scenario left the VP with nothing that could ever wake it) and throws.
 */
export const KICK_WAIT_ROUNDS_MAX = 1024;

/** How a wait ended: its condition became true, or (interruptible waits only) a signal arrived. */
export type WaitEnd = 'woken' | 'signal';

/**
 * wait_event_interruptible / wait_event on the VP's suspend queue (inventory §c.6): test the
 * condition; if false and the wait is interruptible, a pending signal ends it; otherwise sleep, i.e.
 * let the hypervisor run (its messages reach the ISR, whose kicks change the condition), and test
 * again. Bounded by KICK_WAIT_ROUNDS_MAX rounds.
 *
 * @example
 * waitForKick(env, pt, vp, () => vp.kickedByHv, true); // 'woken' | 'signal'
 */
export function waitForKick(
  env: DriverEnv,
  pt: KernelPartition,
  vp: KernelVp,
  condition: () => boolean,
  interruptible: boolean,
): WaitEnd {
  for (let round = 0; ; round++) {
    if (condition()) return 'woken';
    if (interruptible && env.shared.takeSignal(vp.index, pt.id)) return 'signal';
    if (round === KICK_WAIT_ROUNDS_MAX) break;
    env.shared.runHypervisor();
  }
  throw new Error(
    `${RUN_VP}: VP ${vp.index} of partition ${pt.id} not woken after ${KICK_WAIT_ROUNDS_MAX} hypervisor rounds (the thread would sleep forever)`,
  );
}
