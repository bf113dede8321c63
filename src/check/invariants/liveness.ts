import type { PartitionPhase } from '../../../machines/partition/PartitionContext.js';
import { errorText } from '../errorText.js';
import type { Invariant, StepView } from './Invariant.js';

/** Phases in which the VMM has asked its VPs to stop: no VP thread may still sleep in MSHV_RUN_VP. */
const PARKED: ReadonlySet<PartitionPhase> = new Set<PartitionPhase>(['pausing', 'paused', 'closing']);

/** The partition key and request type of a PAUSE or CLOSE the step asked, or undefined. */
function parkRequest(step: StepView): { readonly key: string; readonly type: string } | undefined {
  const s = step.step;
  if (s.kind !== 'intent' || s.name !== 'partition') return undefined;
  const a = s.args as { readonly key?: unknown; readonly request?: { readonly type?: unknown } };
  const type = a.request?.type;
  if ((type !== 'PAUSE' && type !== 'CLOSE') || typeof a.key !== 'string') return undefined;
  // A refused request ran nothing: kernelErrno judges its errno.
  if (step.outcome?.status === 'rejected') return undefined;
  return { key: a.key, type };
}

/**
 * Liveness within bounds (vmm-lifecycle-rules 4; DECISIONS deviation 3): every step returns (a
 * broken invariant thrown by the runtime or the driver, such as a machine livelock, a hypervisor
 * reporting success without progress or an async completion that never comes, is a violation); a
 * signal to a VP whose thread sleeps in MSHV_RUN_VP is seen (the run returns); a PAUSE or CLOSE the
 * machines accepted returns with no VP thread of its partition left in MSHV_RUN_VP, whatever its
 * outcome (rule 4: /dev/mshv has no sticky cancel, so the canceller signals until every run
 * returned; a kick that never reaches the thread leaves it running for ever and the partition stuck
 * in pausing or closing); and a partition that is pausing, paused or closing has no VP thread left
 * in MSHV_RUN_VP (every kick was seen).
 *
 * @example
 * liveness.afterStep?.(step, world); // 'the step threw: vm0: more than 4096 operations for one request (machine livelock)'
 */
export const liveness: Invariant = {
  name: 'liveness',
  summary:
    'every step returns, every signal to a sleeping run is seen, a PAUSE or CLOSE leaves no VP in MSHV_RUN_VP, a pausing, paused or closing partition has none',
  afterStep(step, world) {
    if (step.error !== undefined) return `the step threw: ${errorText(step.error)}`;
    if (world.crashed) return undefined;
    const runs = world.plane.pendingRuns();
    const s = step.step;
    if (s.kind === 'intent' && s.name === 'signal') {
      const a = s.args as { readonly key?: string; readonly vp?: number };
      const key = `${String(a.key)}/${String(a.vp)}`;
      if (step.pendingBefore.has(key) && runs.some((r) => `${r.partition}/${r.vp}` === key))
        return `the signal to ${key} was not seen: its thread still sleeps in MSHV_RUN_VP`;
    }
    const park = parkRequest(step);
    if (park !== undefined)
      for (const run of runs)
        if (run.partition === park.key)
          return `${park.type} of ${park.key} returned (${step.outcome?.status ?? 'no outcome'}) with ${run.partition}/vp${run.vp} still in MSHV_RUN_VP (a kick never reached its thread)`;
    for (const run of runs) {
      const phase = world.plane.partitionSnapshot(run.partition)?.context.phase;
      if (phase !== undefined && PARKED.has(phase))
        return `${run.partition} is ${phase} but ${run.partition}/vp${run.vp} still sleeps in MSHV_RUN_VP (a kick was not seen)`;
    }
    return undefined;
  },
};
