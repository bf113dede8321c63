import { assign, emit, enqueueActions, not, setup } from 'xstate';
import type { Refusal, Rejection } from '../MachineEmitted.js';
import { stateOpFor, vpCommand } from './vpCommand.js';
import { type VpContext, type VpInput, VP_FLAG, initialVpContext } from './VpContext.js';
import type { VpEvent } from './VpEvent.js';
import { runRefusal, vpRefusalOf, vpRoutingGuards, vpRuleGuards } from './vpGuards.js';
import type { VpCommand } from './VpOp.js';
import { restoreRank } from './VpStatePart.js';
import { vpStateRefusal } from './vpStateRefusal.js';

/** What the VP machine emits. */
export type VpEmitted = VpCommand | Rejection;

const DISPATCHED = VP_FLAG.ROOT_SCHED_DISPATCHED;
const BLOCKED = VP_FLAG.ROOT_SCHED_BLOCKED;

const refuse = (rule: Parameters<typeof vpRefusalOf>[0]) =>
  ({ type: 'reject', params: vpRefusalOf(rule) }) as const;
const busy = 'noVpOperationInFlight';

/**
 * A RUN's refusals wherever a VP may run: an operation in flight (EBUSY), then the partition's
 * phase (`partitionAcceptsRun`, the errno its phase gives).
 */
const runRefusals = [
  { guard: not(busy), actions: refuse(busy) },
  {
    guard: not('partitionAcceptsRun'),
    actions: {
      type: 'reject',
      params: ({ event }: { readonly event: Extract<VpEvent, { type: 'RUN' }> }) =>
        runRefusal(event.partition),
    },
  },
] as const;

/**
 * The root scheduler's VP-flags word after MSHV_RUN_VP failed (§c.6): never dispatched any more, and
 * root_sched_blocked and intercept_suspend as the kernel reports them. Only a DISPATCH_VP clears
 * intercept_suspend, and a signal may end the run before the first one, so the flag is the kernel's,
 * not a guess. Without a report (a result from elsewhere than the runtime) an interrupt reads as
 * dispatched (`interrupted`: intercept_suspend cleared, not blocked) and another failure changes
 * neither flag.
 */
function flagsAfterFailedRun(
  flags: number,
  event: Extract<VpEvent, { type: 'OP_FAILED' }>,
  interrupted: boolean,
): number {
  const was = (bit: number): boolean => (flags & bit) !== 0;
  const blocked = event.blocked ?? (interrupted ? false : was(BLOCKED));
  const suspended = event.interceptSuspend ?? (interrupted ? false : was(VP_FLAG.INTERCEPT_SUSPEND));
  return (
    (flags & ~(DISPATCHED | BLOCKED | VP_FLAG.INTERCEPT_SUSPEND)) |
    (blocked ? BLOCKED : 0) |
    (suspended ? VP_FLAG.INTERCEPT_SUSPEND : 0)
  );
}

/** The context after a state operation succeeded; `restoring` while `created` (rule 8's order). */
function afterStateOp(c: VpContext, restoring: boolean): Partial<VpContext> {
  const cmd = c.inflight;
  if (cmd === null) return {};
  const part = cmd.args.part;
  const wroteRegisters = cmd.op === 'SET_VP_REGISTERS' && part === 'REGISTERS';
  const setOp = cmd.op === 'SET_VP_REGISTERS' || cmd.op === 'MSHV_SET_VP_STATE';
  return {
    inflight: null,
    ripAdvancePending: c.ripAdvancePending && !wroteRegisters,
    ...(restoring && setOp && typeof part === 'string'
      ? { restoredRank: Math.max(c.restoredRank, restoreRank(part as Parameters<typeof restoreRank>[0])) }
      : {}),
  };
}

/**
 * A VP's lifecycle (inventory §c.5–§c.7; vmm-lifecycle-rules 4, 8, 9): created → idle ⇄ running →
 * exit (typed) / interrupted (EINTR, EAGAIN) / suspended → deleted, under either scheduler: the
 * root scheduler keeps the kernel's VP-flags word (intercept_suspend, root_sched_blocked,
 * root_sched_dispatched) in the context and passes what the next DISPATCH_VP needs with the run.
 *
 * Like the partition machine it names effects and never performs them: `MSHV_RUN_VP` and the state
 * operations are emitted and their outcome comes back as OP_OK (with `exit`) / OP_FAILED (with
 * `errno`); illegal requests are answered with `rejected` and leave the snapshot as it was. PARK
 * while running emits VP_KICK and leaves a sticky stop, so a kick lost between the stop check and
 * MSHV_RUN_VP (rule 4) still ends in `suspended` when the run returns.
 *
 * Whether the partition allows a run is decided by one guard, `partitionAcceptsRun`, from the
 * partition phase the RUN request carries; replacing it through `provide` plants "VP runs after
 * finalize" for the model checker.
 *
 * @example
 * const [s0] = initialTransition(vpMachine, { index: 0, scheduler: 'root' });
 * const [s1] = transition(vpMachine, s0, { type: 'READY' });
 * const [s2, actions] = transition(vpMachine, s1, { type: 'RUN', partition: 'running' });
 * emittedOf(actions)[0].op; // 'MSHV_RUN_VP'
 */
export const vpMachine = setup({
  types: {
    context: {} as VpContext,
    events: {} as VpEvent,
    input: {} as VpInput,
    emitted: {} as VpEmitted,
  },
  guards: { ...vpRuleGuards, ...vpRoutingGuards },
  actions: {
    /** Emit MSHV_RUN_VP; the root scheduler marks the VP dispatched. */
    startRun: enqueueActions(({ context, event, enqueue }) => {
      const cmd = vpCommand({ op: 'MSHV_RUN_VP' }, context, event);
      if (context.scheduler === 'root') enqueue.assign({ flags: context.flags | DISPATCHED });
      enqueue.emit(cmd);
    }),
    /** Emit a state read or write and remember it as in flight. */
    startStateOp: enqueueActions(({ context, event, enqueue }, params: { readonly dir: 'get' | 'set' }) => {
      if (event.type !== 'SET_STATE' && event.type !== 'GET_STATE') return;
      const cmd = vpCommand({ op: stateOpFor(event.part, params.dir) }, context, event);
      enqueue.assign({ inflight: cmd });
      enqueue.emit(cmd);
    }),
    /** PARK during a run: a sticky stop, and a signal to the VP thread (re-sent on every PARK). */
    kick: enqueueActions(({ context, event, enqueue }) => {
      enqueue.assign({ stopRequested: true });
      enqueue.emit(vpCommand({ op: 'VP_KICK' }, context, event));
    }),
    /** The run returned an intercept (§c.6; root: READY + INTERCEPT sets intercept_suspend). */
    recordExit: assign(({ context, event }) => {
      const exit = event.type === 'OP_OK' ? (event.exit ?? null) : null;
      const root = context.scheduler === 'root';
      return {
        last: exit,
        flags: root ? (context.flags & ~(DISPATCHED | BLOCKED)) | VP_FLAG.INTERCEPT_SUSPEND : context.flags,
        ripAdvancePending: exit === 'IO_PORT',
      };
    }),
    /** The run was interrupted; the root scheduler's flags are the ones the run left (§c.6). */
    recordInterrupt: assign(({ context, event }) => {
      if (event.type !== 'OP_FAILED') return {};
      const last = event.errno === 'EAGAIN' ? 'EAGAIN' : 'EINTR';
      if (context.scheduler !== 'root') return { last };
      return { last, flags: flagsAfterFailedRun(context.flags, event, true) };
    }),
    /** The run failed otherwise: undo the dispatch mark and take the flags the run left, nothing else. */
    endDispatch: assign(({ context, event }) => ({
      flags:
        context.scheduler === 'root' && event.type === 'OP_FAILED'
          ? flagsAfterFailedRun(context.flags, event, false)
          : context.flags & ~DISPATCHED,
    })),
    applyStateResult: assign(({ context }) => afterStateOp(context, false)),
    applyRestoreResult: assign(({ context }) => afterStateOp(context, true)),
    clearInflight: assign({ inflight: null }),
    clearStop: assign({ stopRequested: false }),
    reject: emit(({ event }, params: Refusal) => ({
      type: 'rejected' as const,
      request: event.type,
      ...params,
    })),
  },
}).createMachine({
  id: 'vp',
  context: ({ input }) => initialVpContext(input),
  initial: 'created',
  on: {
    SET_STATE: [
      { guard: not(busy), actions: refuse(busy) },
      { guard: not('miscRegistersOnlyOnVp0'), actions: refuse('miscRegistersOnlyOnVp0') },
      { actions: { type: 'startStateOp', params: { dir: 'set' } } },
    ],
    GET_STATE: [
      { guard: not(busy), actions: refuse(busy) },
      { guard: not('miscRegistersOnlyOnVp0'), actions: refuse('miscRegistersOnlyOnVp0') },
      { actions: { type: 'startStateOp', params: { dir: 'get' } } },
    ],
    OP_OK: [
      { guard: 'resultMatchesInflight', actions: 'applyStateResult' },
      { guard: 'kickResult' },
      { actions: { type: 'reject', params: { errno: 'EINVAL', rule: 'resultMatchesInflight' } } },
    ],
    OP_FAILED: [
      { guard: 'resultMatchesInflight', actions: 'clearInflight' },
      { guard: 'kickResult' },
      { actions: { type: 'reject', params: { errno: 'EINVAL', rule: 'resultMatchesInflight' } } },
    ],
    // Parking or unparking a VP that cannot run is a no-op (idempotent, like PARK_VPS).
    PARK: {},
    UNPARK: {},
    DELETE: [{ guard: not(busy), actions: refuse(busy) }, { target: '#vp.deleted' }],
    '*': { actions: { type: 'reject', params: ({ event }) => vpStateRefusal('other', event.type) } },
  },
  states: {
    // MSHV_CREATE_VP succeeded: the VMM sets or restores the initial state, then READY.
    created: {
      on: {
        SET_STATE: [
          { guard: not(busy), actions: refuse(busy) },
          { guard: not('vpStateRestoreInOrder'), actions: refuse('vpStateRestoreInOrder') },
          { guard: not('miscRegistersOnlyOnVp0'), actions: refuse('miscRegistersOnlyOnVp0') },
          { actions: { type: 'startStateOp', params: { dir: 'set' } } },
        ],
        OP_OK: { guard: 'resultMatchesInflight', actions: 'applyRestoreResult' },
        READY: [{ guard: not(busy), actions: refuse(busy) }, { target: 'idle' }],
      },
    },
    idle: {
      always: { guard: 'stopRequested', target: 'suspended', actions: 'clearStop' },
      on: {
        RUN: [...runRefusals, { target: 'running', actions: 'startRun' }],
        PARK: { target: 'suspended' },
      },
    },
    running: {
      on: {
        OP_OK: [
          { guard: 'runExited', target: 'exit', actions: 'recordExit' },
          { guard: 'kickResult' },
          { actions: { type: 'reject', params: { errno: 'EINVAL', rule: 'resultMatchesInflight' } } },
        ],
        OP_FAILED: [
          { guard: 'runInterrupted', target: 'interrupted', actions: 'recordInterrupt' },
          { guard: 'runFailed', target: 'settle', actions: 'endDispatch' },
          { guard: 'kickResult' },
          { actions: { type: 'reject', params: { errno: 'EINVAL', rule: 'resultMatchesInflight' } } },
        ],
        PARK: { actions: 'kick' },
        UNPARK: { actions: 'clearStop' },
        '*': { actions: { type: 'reject', params: ({ event }) => vpStateRefusal('running', event.type) } },
      },
    },
    exit: {
      always: { guard: 'stopRequested', target: 'suspended', actions: 'clearStop' },
      on: {
        RUN: [
          ...runRefusals,
          { guard: not('portIoRipAdvanced'), actions: refuse('portIoRipAdvanced') },
          { target: 'running', actions: 'startRun' },
        ],
        PARK: { target: 'suspended' },
      },
    },
    interrupted: {
      always: { guard: 'stopRequested', target: 'suspended', actions: 'clearStop' },
      on: {
        RUN: [...runRefusals, { target: 'running', actions: 'startRun' }],
        PARK: { target: 'suspended' },
      },
    },
    // Parked by the VMM (pause, teardown); UNPARK returns to where the last run left it.
    suspended: {
      on: {
        RUN: { actions: { type: 'reject', params: { errno: 'EBUSY', rule: 'vpNotParked' } } },
        UNPARK: { target: 'settle' },
      },
    },
    // Transient: back to the state the last run left (a failed run or an unpark changes nothing).
    settle: {
      always: [
        { guard: 'lastWasExit', target: 'exit' },
        { guard: 'lastWasInterrupt', target: 'interrupted' },
        { target: 'idle' },
      ],
    },
    // Not final: requests to a deleted VP are answered EBADF, not dropped.
    deleted: {
      on: {
        '*': { actions: { type: 'reject', params: ({ event }) => vpStateRefusal('deleted', event.type) } },
      },
    },
  },
});
