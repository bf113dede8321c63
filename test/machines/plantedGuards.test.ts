import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import type { Emitted } from '../../machines/MachineEmitted.js';
import { partitionMachine } from '../../machines/partition/partitionMachine.js';
import { pureStart, pureStep } from '../../machines/pureStep.js';
import { vpMachine } from '../../machines/vp/vpMachine.js';
import { build, complete, pStep, running } from './drive.js';

/** The checker's planted bug: a VP may run after its partition was finalized (seed review; §c.12). */
const runAfterFinalize = vpMachine.provide({ guards: { partitionAcceptsRun: () => true } });

describe('provide() replaces one rule guard: the hook for planted bugs', () => {
  it('partitionAcceptsRun replaced: a VP runs while its partition is closing', () => {
    const s0 = pureStart(runAfterFinalize, { index: 0, scheduler: 'hv' }).snapshot;
    const ready = pureStep(runAfterFinalize, s0, { type: 'READY' }).snapshot;
    const planted = pureStep<typeof runAfterFinalize, Emitted>(runAfterFinalize, ready, {
      type: 'RUN',
      partition: 'closing',
    });
    expect(planted.snapshot.value).toBe('running');
    expect(planted.emitted).toEqual([
      { type: 'op', op: 'MSHV_RUN_VP', args: { partition: 'closing', scheduler: 'hv', vp: 0 } },
    ]);

    // The definition itself is untouched: the same request is refused by the original machine.
    const t0 = pureStart(vpMachine, { index: 0, scheduler: 'hv' }).snapshot;
    const t1 = pureStep(vpMachine, t0, { type: 'READY' }).snapshot;
    const kept = pureStep<typeof vpMachine, Emitted>(vpMachine, t1, { type: 'RUN', partition: 'closing' });
    expect(kept.snapshot).toBe(t1);
    expect(kept.emitted).toEqual([
      { type: 'rejected', request: 'RUN', errno: 'EBADF', rule: 'partitionAcceptsRun' },
    ]);
  });

  it('the replaced guard drives a live actor too', () => {
    const actor = createActor(runAfterFinalize, { input: { index: 4, scheduler: 'root' } });
    const seen: unknown[] = [];
    actor.on('*', (e) => seen.push(e));
    actor.start();
    actor.send({ type: 'READY' });
    actor.send({ type: 'RUN', partition: 'closed' });
    expect(actor.getSnapshot().value).toBe('running');
    expect(seen).toMatchObject([{ type: 'op', op: 'MSHV_RUN_VP' }]);
    actor.stop();
  });

  it('a partition rule replaced: snapshot while running (rule 11) gets through', () => {
    const snapshotWhileRunning = partitionMachine.provide({
      guards: { snapshotOnlyWhileQuiesced: () => true },
    });
    const s = running();
    expect(pStep(s, { type: 'SNAPSHOT' }).emitted[0]).toMatchObject({ type: 'rejected', errno: 'EBUSY' });
    // A snapshot carries the machine that made it, guards included: a checker planting a bug starts
    // from the provided machine, or re-homes a snapshot on it with resolveState.
    const stale = pureStep<typeof snapshotWhileRunning, Emitted>(snapshotWhileRunning, s, {
      type: 'SNAPSHOT',
    });
    expect(stale.emitted[0]).toMatchObject({ type: 'rejected' });
    const rehomed = snapshotWhileRunning.resolveState({ value: s.value, context: s.context });
    const planted = pureStep<typeof snapshotWhileRunning, Emitted>(snapshotWhileRunning, rehomed, {
      type: 'SNAPSHOT',
    });
    expect(planted.emitted).toEqual([{ type: 'op', op: 'SNAPSHOT', args: {} }]);
  });

  it('a routing guard replaced changes the teardown: skipping DISPATCH_SUSPEND on the root scheduler', () => {
    const noSuspend = partitionMachine.provide({ guards: { vpsLeftToSuspend: () => false } });
    const s = build(running({ scheduler: 'root', vps: [0, 1] }), [{ type: 'PAUSE' }]);
    expect(complete(s, { type: 'CLOSE' }).commands.some((c) => c.op === 'SUSPEND_VP')).toBe(true);
    const rehomed = noSuspend.resolveState({ value: s.value, context: s.context });
    let step = pureStep<typeof noSuspend, Emitted>(noSuspend, rehomed, { type: 'CLOSE' });
    expect(step.emitted).toEqual([{ type: 'op', op: 'RELEASE_VP', args: { vp: 0 } }]);
    step = pureStep(noSuspend, step.snapshot, { type: 'OP_OK', op: 'RELEASE_VP' });
    expect(step.snapshot.value).toEqual({ closing: { releaseVps: 'issue' } });
  });
});
