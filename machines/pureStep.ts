import {
  type ActionExecutor,
  type AnyStateMachine,
  type EventFromLogic,
  type InputFrom,
  type SnapshotFrom,
  createActor,
} from 'xstate';
import { type ExecutableActionLike, emittedOf } from './MachineEmitted.js';

/** One pure step: the next snapshot and what the step emitted, in order. */
export interface PureStep<M extends AnyStateMachine, E> {
  readonly snapshot: SnapshotFrom<M>;
  readonly emitted: readonly E[];
}

/** The actor scope a machine's `transition` takes. */
type MachineScope = Parameters<AnyStateMachine['transition']>[2];

/** An inert actor scope whose action executor collects instead of executing. */
interface CollectingScope {
  readonly scope: MachineScope;
  collected: ExecutableActionLike[];
}

const scopes = new WeakMap<AnyStateMachine, CollectingScope>();

/**
 * The inert actor scope of a machine, made once and reused. xstate's own pure `transition` and
 * `initialTransition` build a fresh scope per call, which constructs an actor (and evaluates the
 * machine's initial context) every step: most of a step's cost on the model checker's hot path. The
 * lifecycle machines spawn no children and use neither `self` nor the system, so one scope serves
 * every step; its executor collects the step's actions, exactly as xstate's functions do.
 */
function scopeOf(machine: AnyStateMachine): CollectingScope {
  let s = scopes.get(machine);
  if (s === undefined) {
    const self = createActor(machine);
    const holder: CollectingScope = {
      collected: [],
      scope: {
        self,
        id: '',
        sessionId: '',
        logger: () => undefined,
        defer: () => undefined,
        emit: () => undefined,
        system: self.system,
        stopChild: () => undefined,
        actionExecutor: ((action) => {
          holder.collected.push(action);
        }) satisfies ActionExecutor,
      },
    };
    s = holder;
    scopes.set(machine, s);
  }
  s.collected = [];
  return s;
}

/**
 * The initial snapshot of a machine and what its entry emitted, without starting an actor (the pure
 * counterpart of xstate's `initialTransition`).
 *
 * @example
 * const { snapshot } = pureStart(vpMachine, { index: 0, scheduler: 'hv' });
 */
export function pureStart<M extends AnyStateMachine, E = unknown>(
  machine: M,
  input: InputFrom<M>,
): PureStep<M, E> {
  const s = scopeOf(machine);
  const snapshot = machine.getInitialSnapshot(s.scope, input) as SnapshotFrom<M>;
  return { snapshot, emitted: emittedOf<E>(s.collected) };
}

/**
 * One event through a machine without an actor (the pure counterpart of xstate's `transition`):
 * how the model checker and a log replay step the same definitions the live runtime runs. A refused
 * request returns the very same snapshot object.
 *
 * @example
 * const { snapshot, emitted } = pureStep(partitionMachine, s0, { type: 'INITIALIZE' });
 */
export function pureStep<M extends AnyStateMachine, E = unknown>(
  machine: M,
  snapshot: SnapshotFrom<M>,
  event: EventFromLogic<M>,
): PureStep<M, E> {
  const s = scopeOf(machine);
  const next = machine.transition(snapshot, event, s.scope) as SnapshotFrom<M>;
  return { snapshot: next, emitted: emittedOf<E>(s.collected) };
}
