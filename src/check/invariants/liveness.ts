import { errorText } from '../errorText.js';
import type { Invariant } from './Invariant.js';

/**
 * Liveness within bounds (vmm-lifecycle-rules 4; DECISIONS deviation 3): every step returns (a
 * broken invariant thrown by the runtime or the driver, such as a machine livelock, a hypervisor
 * reporting success without progress or an async completion that never comes, is a violation); a
 * signal to a VP whose thread sleeps in MSHV_RUN_VP is seen (the run returns); and a partition the
 * VMM paused has no VP thread left in MSHV_RUN_VP (every kick was seen).
 *
 * @example
 * liveness.afterStep?.(step, world); // 'the step threw: vm0: more than 4096 operations for one request (machine livelock)'
 */
export const liveness: Invariant = {
  name: 'liveness',
  summary:
    'every step returns, every signal to a sleeping run is seen, a paused partition has no VP left in MSHV_RUN_VP',
  afterStep(step, world) {
    if (step.error !== undefined) return `the step threw: ${errorText(step.error)}`;
    if (world.crashed) return undefined;
    const pending = world.pendingRunKeys();
    const s = step.step;
    if (s.kind === 'intent' && s.name === 'signal') {
      const a = s.args as { readonly key?: string; readonly vp?: number };
      const key = `${String(a.key)}/${String(a.vp)}`;
      if (step.pendingBefore.has(key) && pending.has(key))
        return `the signal to ${key} was not seen: its thread still sleeps in MSHV_RUN_VP`;
    }
    for (const run of world.plane.pendingRuns())
      if (world.plane.partitionSnapshot(run.partition)?.context.phase === 'paused')
        return `${run.partition} is paused but ${run.partition}/vp${run.vp} still sleeps in MSHV_RUN_VP (a kick was not seen)`;
    return undefined;
  },
};
