import {
  type AnyStateMachine,
  type EventFromLogic,
  type InputFrom,
  type SnapshotFrom,
  initialTransition,
  transition,
} from 'xstate';
import { emittedOf } from './MachineEmitted.js';

/** One pure step: the next snapshot and what the step emitted, in order. */
export interface PureStep<M extends AnyStateMachine, E> {
  readonly snapshot: SnapshotFrom<M>;
  readonly emitted: E[];
}

/**
 * The initial snapshot of a machine and what its entry emitted, without starting an actor (xstate's
 * pure `initialTransition`).
 *
 * @example
 * const { snapshot } = pureStart(vpMachine, { index: 0, scheduler: 'hv' });
 */
export function pureStart<M extends AnyStateMachine, E = unknown>(
  machine: M,
  input: InputFrom<M>,
): PureStep<M, E> {
  const [snapshot, actions] = initialTransition(machine, input);
  return { snapshot, emitted: emittedOf<E>(actions) };
}

/**
 * One event through a machine without an actor (xstate's pure `transition`): how the model checker
 * and a log replay step the same definitions the live runtime runs. A refused request returns the
 * very same snapshot object.
 *
 * @example
 * const { snapshot, emitted } = pureStep(partitionMachine, s0, { type: 'INITIALIZE' });
 */
export function pureStep<M extends AnyStateMachine, E = unknown>(
  machine: M,
  snapshot: SnapshotFrom<M>,
  event: EventFromLogic<M>,
): PureStep<M, E> {
  const [next, actions] = transition(machine, snapshot, event);
  return { snapshot: next, emitted: emittedOf<E>(actions) };
}
