import fc from 'fast-check';
import {
  type AnyStateMachine,
  type EventFromLogic,
  type InputFrom,
  type SnapshotFrom,
  initialTransition,
  transition,
} from 'xstate';
import { describe, expect, it } from 'vitest';
import { PARTITION_OPS, type PartitionOp } from '../../machines/partition/PartitionOp.js';
import type { PartitionEvent } from '../../machines/partition/PartitionEvent.js';
import { partitionMachine } from '../../machines/partition/partitionMachine.js';
import { emittedOf, type ExecutableActionLike } from '../../machines/MachineEmitted.js';
import { type PureStep, pureStart, pureStep } from '../../machines/pureStep.js';
import { VP_OPS } from '../../machines/vp/VpOp.js';
import type { VpEvent } from '../../machines/vp/VpEvent.js';
import { vpMachine } from '../../machines/vp/vpMachine.js';

const partitionEvents: PartitionEvent[] = [
  { type: 'INITIALIZE' },
  { type: 'SET_PROPERTY', property: 'SYNTHETIC_PROC_FEATURES', value: 1 },
  { type: 'CREATE_VP', vp: 0 },
  { type: 'CREATE_VP', vp: 1 },
  { type: 'MAP_MEMORY', region: 'r0' },
  { type: 'UNMAP_MEMORY', region: 'r0' },
  { type: 'IOEVENTFD', assign: true, pio: false },
  { type: 'IRQFD', assign: true },
  { type: 'START' },
  { type: 'PAUSE' },
  { type: 'RESUME' },
  { type: 'SNAPSHOT' },
  { type: 'ENABLE_DIRTY_TRACKING' },
  { type: 'MARK_ALL_DIRTY' },
  { type: 'DISABLE_DIRTY_TRACKING' },
  { type: 'CLOSE' },
  ...PARTITION_OPS.map((op: PartitionOp): PartitionEvent => ({ type: 'OP_OK', op })),
  { type: 'OP_FAILED', op: 'MSHV_INITIALIZE_PARTITION', errno: 'EIO' },
  { type: 'OP_FAILED', op: 'PARK_VPS', errno: 'EBUSY' },
];

const vpEvents: VpEvent[] = [
  { type: 'READY' },
  { type: 'RUN', partition: 'running' },
  { type: 'RUN', partition: 'paused' },
  { type: 'PARK' },
  { type: 'UNPARK' },
  { type: 'SET_STATE', part: 'REGISTERS' },
  { type: 'GET_STATE', part: 'LAPIC' },
  { type: 'DELETE' },
  { type: 'OP_OK', op: 'MSHV_RUN_VP', exit: 'IO_PORT' },
  { type: 'OP_OK', op: 'MSHV_RUN_VP', exit: 'HALT' },
  { type: 'OP_FAILED', op: 'MSHV_RUN_VP', errno: 'EINTR', blocked: true },
  ...VP_OPS.map((op): VpEvent => ({ type: 'OP_OK', op })),
];

/** xstate's own pure functions (a throwaway actor per call): the reference pureStart/pureStep must equal. */
function xstateStart<M extends AnyStateMachine>(machine: M, input: InputFrom<M>): PureStep<M, unknown> {
  const [snapshot, actions] = initialTransition(machine, input);
  return { snapshot: snapshot, emitted: emittedOf(actions as ExecutableActionLike[]) };
}

function xstateStep<M extends AnyStateMachine>(
  machine: M,
  snapshot: SnapshotFrom<M>,
  event: EventFromLogic<M>,
): PureStep<M, unknown> {
  const [next, actions] = transition(machine, snapshot, event);
  return { snapshot: next, emitted: emittedOf(actions as ExecutableActionLike[]) };
}

describe("pureStart/pureStep: the same steps as xstate's initialTransition/transition, through one inert scope per machine", () => {
  it('partition machine: equal snapshots and emitted events on random event sequences', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...partitionEvents), { maxLength: 60 }),
        fc.boolean(),
        (events, root) => {
          const input = { scheduler: root ? ('root' as const) : ('hv' as const) };
          let a = xstateStart(partitionMachine, input);
          let b = pureStart(partitionMachine, input);
          expect(b.snapshot.value).toEqual(a.snapshot.value);
          expect(b.emitted).toEqual(a.emitted);
          for (const e of events) {
            a = xstateStep(partitionMachine, a.snapshot, e);
            const before = b.snapshot;
            b = pureStep(partitionMachine, b.snapshot, e);
            expect(b.snapshot.value).toEqual(a.snapshot.value);
            expect(b.snapshot.context).toEqual(a.snapshot.context);
            expect(b.emitted).toEqual(a.emitted);
            // A refusal leaves the very same snapshot object.
            if (b.emitted.some((x) => (x as { type: string }).type === 'rejected'))
              expect(b.snapshot).toBe(before);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('VP machine: equal snapshots and emitted events on random event sequences, both schedulers', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...vpEvents), { maxLength: 60 }), fc.boolean(), (events, root) => {
        const input = { index: 2, scheduler: root ? ('root' as const) : ('hv' as const) };
        let a = xstateStart(vpMachine, input);
        let b = pureStart(vpMachine, input);
        for (const e of events) {
          a = xstateStep(vpMachine, a.snapshot, e);
          b = pureStep(vpMachine, b.snapshot, e);
          expect(b.snapshot.value).toEqual(a.snapshot.value);
          expect(b.snapshot.context).toEqual(a.snapshot.context);
          expect(b.emitted).toEqual(a.emitted);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('steps a provided variant with its own guards (a planted bug stays planted)', () => {
    const planted = vpMachine.provide({ guards: { partitionAcceptsRun: () => true } });
    const input = { index: 0, scheduler: 'hv' as const };
    const ready = pureStep(planted, pureStart(planted, input).snapshot, { type: 'READY' });
    const run = pureStep(planted, ready.snapshot, { type: 'RUN', partition: 'closed' });
    expect(run.snapshot.value).toBe('running');
    const ready0 = pureStep(vpMachine, pureStart(vpMachine, input).snapshot, { type: 'READY' });
    expect(pureStep(vpMachine, ready0.snapshot, { type: 'RUN', partition: 'closed' }).emitted).toMatchObject([
      { type: 'rejected', errno: 'EBADF' },
    ]);
  });
});
