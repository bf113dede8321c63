import {
  type ActorScope,
  type AnyStateMachine,
  type EventFromLogic,
  type InputFrom,
  type SnapshotFrom,
  createActor,
} from 'xstate';
import { type ExecutableActionLike, emittedOf } from '../../machines/MachineEmitted.js';
import type { PureStep } from '../../machines/pureStep.js';

/**
 * xstate's pure `initialTransition` / `transition` (machines/pureStep.ts) without the throwaway actor
 * xstate builds for every call: one inert actor scope per machine, made once, whose action executor
 * collects a step's actions instead of executing them; nothing is started, nothing runs. Same
 * snapshots and the same emitted events as `pureStart` / `pureStep` (test/runtime/PureStepper.test.ts),
 * about eight times cheaper per step, which is most of the control plane's own cost at 16,000 VPs.
 *
 * Only for machines that neither spawn nor invoke children (the lifecycle machines): the scope's
 * actor system is shared by every step of the stepper.
 *
 * @example
 * const vps = new PureStepper(vpMachine, { index: 0, scheduler: 'hv' });
 * const { snapshot } = vps.start({ index: 3, scheduler: 'hv' });
 * vps.step(snapshot, { type: 'READY' }).snapshot.value; // 'idle'
 */
export class PureStepper<M extends AnyStateMachine> {
  readonly #scope: ActorScope<SnapshotFrom<M>, EventFromLogic<M>>;
  #actions: ExecutableActionLike[] = [];

  /** `input` only builds the scope's (never started) actor; each `start` takes its own. */
  constructor(
    readonly machine: M,
    input: InputFrom<M>,
  ) {
    const self = createActor(machine, { input });
    this.#scope = {
      self,
      id: '',
      sessionId: '',
      logger: () => undefined,
      defer: () => undefined,
      emit: () => undefined,
      system: self.system,
      stopChild: () => undefined,
      actionExecutor: (action) => {
        this.#actions.push(action);
      },
    };
  }

  /** The initial snapshot for `input` and what its entry emitted (xstate's `initialTransition`). */
  start<E = unknown>(input: InputFrom<M>): PureStep<M, E> {
    this.#actions = [];
    const snapshot = this.machine.getInitialSnapshot(this.#scope, input) as SnapshotFrom<M>;
    return { snapshot, emitted: emittedOf<E>(this.#actions) };
  }

  /** One event (xstate's `transition`): the next snapshot and what the step emitted, in order. */
  step<E = unknown>(snapshot: SnapshotFrom<M>, event: EventFromLogic<M>): PureStep<M, E> {
    this.#actions = [];
    const next = this.machine.transition(snapshot, event, this.#scope) as SnapshotFrom<M>;
    return { snapshot: next, emitted: emittedOf<E>(this.#actions) };
  }
}
