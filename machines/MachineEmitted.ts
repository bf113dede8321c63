import type { ErrnoName } from '../src/hv/Errno.js';

/** One argument value an operation carries; JSON only (no bigint), so commands log as they are. */
export type OpArg = string | number | boolean | null | readonly string[] | readonly number[];

/** The arguments of an operation, by name. */
export type OpArgs = Readonly<Record<string, OpArg>>;

/**
 * An operation a transition names and the runtime performs (design.md principle 2): the machine
 * never performs it, it emits this value. Its outcome comes back as an `OP_OK` or `OP_FAILED` event
 * carrying the same `op`.
 *
 * @example
 * const cmd: OpCommand = { type: 'op', op: 'MSHV_CREATE_VP', args: { vp: 0 } };
 */
export interface OpCommand<O extends string = string> {
  readonly type: 'op';
  readonly op: O;
  readonly args: OpArgs;
}

/** Why a request was refused: the errno the caller gets and the guard (rule) that refused it. */
export interface Refusal {
  readonly errno: ErrnoName;
  readonly rule: string;
}

/**
 * A refused request. The machine answers with this and leaves its snapshot unchanged: an illegal
 * request is rejected, never queued (vmm-lifecycle-rules 11).
 *
 * @example
 * const r: Rejection = { type: 'rejected', request: 'SNAPSHOT', errno: 'EBUSY', rule: 'snapshotOnlyWhileQuiesced' };
 */
export interface Rejection extends Refusal {
  readonly type: 'rejected';
  readonly request: string;
}

/** Everything a lifecycle machine emits: operations to perform and refusals to report. */
export type Emitted<O extends string = string> = OpCommand<O> | Rejection;

/** The part of an xstate executable action this module reads. */
export interface ExecutableActionLike {
  readonly type: string;
  readonly params?: unknown;
}

const EMIT = 'xstate.emit';

/**
 * The events emitted by a step, in order, from the actions xstate's pure `transition` /
 * `initialTransition` return. The lifecycle machines only emit (their assigns are applied inside
 * the snapshot), so any other executable action is a broken invariant and throws.
 *
 * @example
 * const [next, actions] = transition(partitionMachine, snapshot, { type: 'INITIALIZE' });
 * emittedOf(actions); // [{ type: 'op', op: 'MSHV_INITIALIZE_PARTITION', args: {} }]
 */
export function emittedOf<E = Emitted>(actions: readonly ExecutableActionLike[]): E[] {
  return actions.map((a) => {
    if (a.type !== EMIT) throw new Error(`lifecycle machines only emit; got executable action '${a.type}'`);
    return (a.params as { readonly event: E }).event;
  });
}
