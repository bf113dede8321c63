import { assign, emit, enqueueActions, not, setup } from 'xstate';
import type { Refusal, Rejection } from '../MachineEmitted.js';
import { applyPartitionResult } from './applyPartitionResult.js';
import { partitionCommand, type StartOp } from './partitionCommand.js';
import {
  type PartitionContext,
  type PartitionInput,
  type PartitionPhase,
  initialPartitionContext,
} from './PartitionContext.js';
import type { PartitionEvent } from './PartitionEvent.js';
import {
  type PartitionRule,
  partitionRoutingGuards,
  partitionRuleGuards,
  refusalOf,
} from './partitionGuards.js';
import type { PartitionCommand } from './PartitionOp.js';
import { phaseRefusal } from './phaseRefusal.js';

/** What the partition machine emits. */
export type PartitionEmitted = PartitionCommand | Rejection;

/** The `reject` action of a rule, for a transition that refuses a request. */
const reject = (rule: PartitionRule) => ({ type: 'reject', params: refusalOf(rule) }) as const;
const phase = (p: PartitionPhase) => ({ type: 'enterPhase', params: { phase: p } }) as const;
const startOp = (params: StartOp) => ({ type: 'startOp', params }) as const;

/**
 * A request's transitions: each of `rules`, in order, refuses the request with its errno when it
 * does not hold (the snapshot unchanged); then `accept`.
 */
const request = <const A extends object>(rules: readonly PartitionRule[], accept: A) =>
  [...rules.map((rule) => ({ guard: not(rule), actions: reject(rule) }) as const), accept] as const;

/**
 * A stage that emits one operation on entry and moves to `target` once that operation succeeds
 * (`OP_OK` for the same op; a failure leaves it here, re-entered by the same request).
 */
const opStage = (
  params: StartOp,
  target: string,
  actions: readonly ('applyResult' | 'resetCursor')[] = ['applyResult'],
) =>
  ({
    entry: startOp(params),
    on: { OP_OK: { guard: { type: 'resultIs', params: { op: params.op } }, target, actions } },
  }) as const;

/**
 * A stage with something to do only when `guard` holds: it issues `params` (once for `once`, else
 * per item until the guard no longer holds, the context's cursor moving on with each result) and
 * goes to `next`; with nothing to do it goes straight there.
 */
const guardedStage = (
  guard:
    | 'eventfdsToRelease'
    | 'vpsLeftToSuspend'
    | 'vpsLeftToRelease'
    | 'initializedToFinalize'
    | 'regionsLeftToRelease',
  params: StartOp,
  next: { readonly target: string; readonly actions?: readonly ('applyResult' | 'resetCursor')[] },
  repeat: 'once' | 'each',
) =>
  ({
    initial: 'check',
    states: {
      check: {
        always: [
          { guard, target: 'issue' },
          { target: next.target, actions: next.actions ?? [] },
        ],
      },
      issue:
        repeat === 'each'
          ? opStage(params, 'check')
          : opStage(params, next.target, ['applyResult', ...(next.actions ?? [])]),
    },
  }) as const;

/** The requests a partition takes before INITIALIZE, in `created` and `earlyProperties` alike. */
const beforeInitialize = {
  SET_PROPERTY: request(
    ['noOperationInFlight', 'propertyNotManaged', 'postInitPropertyOnlyAfterInitialize'],
    { actions: startOp({ op: 'SET_PARTITION_PROPERTY' }) },
  ),
  INITIALIZE: request(['noOperationInFlight'], { actions: startOp({ op: 'MSHV_INITIALIZE_PARTITION' }) }),
  // No hypercall and no check of pt_initialized (§c.3, §c.11): the kernel takes them at any time.
  IRQFD: request(['noOperationInFlight'], { actions: startOp({ op: 'MSHV_IRQFD' }) }),
  SET_MSI_ROUTING: request(['noOperationInFlight'], { actions: startOp({ op: 'MSHV_SET_MSI_ROUTING' }) }),
  CLOSE: request(['noOperationInFlight'], { target: 'closing' }),
} as const;

/**
 * The partition lifecycle (vmm-lifecycle-rules 1; inventory §c): created → earlyProperties →
 * live.initialized → live.configured → live.running ⇄ live.paused (through `pausing` and
 * `resuming`) → closing (§c.12's teardown order) → closed.
 *
 * The machine names its effects and never performs them: a transition emits
 * `{ type: 'op', op, args }` and waits for the runtime's `OP_OK` / `OP_FAILED` with the same `op`;
 * only success moves it, a failure leaves phase and context as they were. An illegal request is
 * answered at once with `{ type: 'rejected', request, errno, rule }` and leaves the snapshot
 * unchanged (the same object): nothing is queued. Both come out through xstate's `emit`, so one
 * definition serves:
 * 1. the live runtime: `createActor(partitionMachine, { input })`, `actor.on('op', ...)` sends each
 *    command to the driver and the outcome back with `actor.send`; `actor.on('rejected', ...)`;
 * 2. replay: the same events, from the log, through an actor or through (3);
 * 3. the model checker: xstate's pure `initialTransition(partitionMachine, input)` and
 *    `transition(partitionMachine, snapshot, event)`, no actor started; `emittedOf(actions)` gives
 *    the emitted commands in order (`machines/pureStep.ts`).
 *
 * Rule guards (`partitionGuards.ts`) are replaceable through `provide({ guards })`, which is how a
 * planted bug is expressed. A snapshot carries the machine that made it (guards included): step a
 * provided machine from its own `initialTransition`, or re-home a snapshot with `resolveState`.
 *
 * @example
 * const [s0] = initialTransition(partitionMachine, { scheduler: 'root' });
 * const [s1, actions] = transition(partitionMachine, s0, { type: 'INITIALIZE' });
 * emittedOf(actions); // [{ type: 'op', op: 'MSHV_INITIALIZE_PARTITION', args: {} }]
 */
export const partitionMachine = setup({
  types: {
    context: {} as PartitionContext,
    events: {} as PartitionEvent,
    input: {} as PartitionInput,
    emitted: {} as PartitionEmitted,
  },
  guards: { ...partitionRuleGuards, ...partitionRoutingGuards },
  actions: {
    /** Emit an operation and remember it as the one in flight. */
    startOp: enqueueActions(({ context, event, enqueue }, params: StartOp) => {
      const cmd = partitionCommand(params, context, event);
      enqueue.assign({ inflight: cmd });
      enqueue.emit(cmd);
    }),
    /** The operation in flight succeeded: apply it to the context. */
    applyResult: assign(({ context, event }) =>
      applyPartitionResult(context, event.type === 'OP_OK' ? event.released : undefined),
    ),
    /** The operation in flight failed: forget it, change nothing else. */
    clearInflight: assign({ inflight: null }),
    /** Answer a refused request. */
    reject: emit(({ event }, params: Refusal) => ({
      type: 'rejected' as const,
      request: event.type,
      ...params,
    })),
    enterPhase: assign((_, params: { readonly phase: PartitionPhase }) => ({ phase: params.phase })),
    resetCursor: assign({ cursor: 0 }),
    /** START: VPs and devices run from now on. */
    markRunning: assign({ vpsParked: false, devicesQuiesced: false }),
  },
}).createMachine({
  id: 'partition',
  context: ({ input }) => initialPartitionContext(input),
  initial: 'created',
  on: {
    OP_OK: [
      { guard: 'resultMatchesInflight', actions: 'applyResult' },
      { actions: { type: 'reject', params: { errno: 'EINVAL', rule: 'resultMatchesInflight' } } },
    ],
    OP_FAILED: [
      { guard: 'resultMatchesInflight', actions: 'clearInflight' },
      { actions: { type: 'reject', params: { errno: 'EINVAL', rule: 'resultMatchesInflight' } } },
    ],
    '*': {
      actions: { type: 'reject', params: ({ context, event }) => phaseRefusal(context.phase, event.type) },
    },
  },
  states: {
    created: {
      entry: phase('created'),
      on: {
        ...beforeInitialize,
        OP_OK: [
          {
            guard: { type: 'resultIs', params: { op: 'MSHV_INITIALIZE_PARTITION' } },
            target: '#partition.live.initialized',
            actions: 'applyResult',
          },
          {
            guard: { type: 'resultIs', params: { op: 'SET_PARTITION_PROPERTY' } },
            target: 'earlyProperties',
            actions: 'applyResult',
          },
        ],
      },
    },
    earlyProperties: {
      entry: phase('earlyProperties'),
      on: {
        ...beforeInitialize,
        OP_OK: {
          guard: { type: 'resultIs', params: { op: 'MSHV_INITIALIZE_PARTITION' } },
          target: '#partition.live.initialized',
          actions: 'applyResult',
        },
      },
    },
    live: {
      initial: 'initialized',
      on: {
        SET_PROPERTY: request(
          [
            'noOperationInFlight',
            'propertyNotManaged',
            'earlyPropertyOnlyBeforeInitialize',
            'postInitPropertyBeforeConfiguration',
          ],
          { actions: startOp({ op: 'SET_PARTITION_PROPERTY' }) },
        ),
        // §c.3: idempotent once initialized; the kernel answers 0.
        INITIALIZE: request(['noOperationInFlight'], {
          actions: startOp({ op: 'MSHV_INITIALIZE_PARTITION' }),
        }),
        CREATE_VP: request(['noOperationInFlight', 'vpIndexBelowMax', 'vpSlotFree'], {
          actions: startOp({ op: 'MSHV_CREATE_VP' }),
        }),
        MAP_MEMORY: request(['noOperationInFlight', 'regionNotMapped'], {
          actions: startOp({ op: 'MSHV_SET_GUEST_MEMORY', args: { unmap: false } }),
        }),
        UNMAP_MEMORY: request(['noOperationInFlight', 'regionMapped'], {
          actions: startOp({ op: 'MSHV_SET_GUEST_MEMORY', args: { unmap: true } }),
        }),
        INSTALL_INTERCEPT: request(['noOperationInFlight'], {
          actions: startOp({ op: 'INSTALL_INTERCEPT' }),
        }),
        IOEVENTFD: request(['noOperationInFlight', 'ioeventfdNotPio', 'ioeventfdAssigned'], {
          actions: startOp({ op: 'MSHV_IOEVENTFD' }),
        }),
        IRQFD: request(['noOperationInFlight'], { actions: startOp({ op: 'MSHV_IRQFD' }) }),
        SET_MSI_ROUTING: request(['noOperationInFlight'], {
          actions: startOp({ op: 'MSHV_SET_MSI_ROUTING' }),
        }),
        FREEZE_TIME: request(['noOperationInFlight', 'timeFreezeOnlyWithVpsParked'], {
          actions: startOp({ op: 'SET_PARTITION_PROPERTY', args: { property: 'TIME_FREEZE', value: 1 } }),
        }),
        // Rule 2: freeze and thaw are idempotent.
        THAW_TIME: request(['noOperationInFlight'], {
          actions: startOp({ op: 'SET_PARTITION_PROPERTY', args: { property: 'TIME_FREEZE', value: 0 } }),
        }),
        SET_REFERENCE_TIME: request(['noOperationInFlight', 'referenceTimeOnlyWhileFrozen'], {
          actions: startOp({ op: 'SET_PARTITION_PROPERTY', args: { property: 'REFERENCE_TIME' } }),
        }),
        SNAPSHOT: request(['noOperationInFlight', 'snapshotOnlyWhileQuiesced'], {
          actions: startOp({ op: 'SNAPSHOT' }),
        }),
        ENABLE_DIRTY_TRACKING: request(['noOperationInFlight'], {
          actions: startOp({
            op: 'SET_PARTITION_PROPERTY',
            args: { property: 'GPA_PAGE_ACCESS_TRACKING', value: 1 },
          }),
        }),
        READ_DIRTY: request(['noOperationInFlight', 'dirtyTrackingEnabled', 'dirtyReadWithinBitmapMax'], {
          actions: startOp({ op: 'MSHV_GET_GPAP_ACCESS_BITMAP', args: { mode: 'readAndClear' } }),
        }),
        MARK_ALL_DIRTY: request(['noOperationInFlight', 'dirtyTrackingEnabled'], {
          actions: startOp({ op: 'MSHV_GET_GPAP_ACCESS_BITMAP', args: { mode: 'markAllDirty' } }),
        }),
        DISABLE_DIRTY_TRACKING: request(
          ['noOperationInFlight', 'dirtyTrackingEnabled', 'allPagesMarkedDirtyBeforeDisable'],
          {
            actions: startOp({
              op: 'SET_PARTITION_PROPERTY',
              args: { property: 'GPA_PAGE_ACCESS_TRACKING', value: 0 },
            }),
          },
        ),
        CLOSE: request(['noOperationInFlight'], { target: '#partition.closing' }),
      },
      states: {
        initialized: {
          entry: phase('initialized'),
          on: {
            OP_OK: { guard: 'resultConfiguresPartition', target: 'configured', actions: 'applyResult' },
          },
        },
        configured: {
          entry: phase('configured'),
          on: {
            START: request(
              ['noOperationInFlight', 'timeThawedBeforeVpsRun', 'restoredClockWrittenBeforeStart'],
              {
                target: 'running',
                actions: 'markRunning',
              },
            ),
          },
        },
        running: {
          entry: phase('running'),
          on: {
            PAUSE: request(['noOperationInFlight'], { target: '#partition.pausing' }),
            // VP threads may be in MSHV_RUN_VP: park them before the teardown.
            CLOSE: request(['noOperationInFlight'], { target: '#partition.closing.parkVps' }),
          },
        },
        paused: {
          entry: phase('paused'),
          on: {
            // Resume writes the saved clock back first: rule 2 needs time frozen for that.
            RESUME: request(['noOperationInFlight', 'referenceTimeOnlyWhileFrozen'], {
              target: '#partition.resuming',
            }),
            // Rule 11: an assign could inject at once; a deassign goes on to `live`'s IRQFD.
            IRQFD: { guard: not('noDeviceIoWhilePaused'), actions: reject('noDeviceIoWhilePaused') },
          },
        },
      },
    },
    // Rule 3: park VPs → save the guest clock → pause devices → freeze time.
    pausing: {
      entry: phase('pausing'),
      initial: 'parkVps',
      on: {
        // A failed step stays where it failed; the same request re-enters it through the history
        // state, which emits its command again.
        PAUSE: request(['noOperationInFlight'], { target: '.hist', reenter: true }),
        CLOSE: request(['noOperationInFlight'], { target: '#partition.closing.parkVps' }),
      },
      states: {
        hist: { type: 'history' },
        parkVps: opStage({ op: 'PARK_VPS' }, 'saveClock'),
        saveClock: opStage(
          { op: 'GET_PARTITION_PROPERTY', args: { property: 'REFERENCE_TIME' } },
          'quiesceDevices',
        ),
        quiesceDevices: opStage({ op: 'QUIESCE_DEVICES' }, 'freezeTime'),
        freezeTime: opStage(
          { op: 'SET_PARTITION_PROPERTY', args: { property: 'TIME_FREEZE', value: 1 } },
          '#partition.live.paused',
        ),
      },
    },
    // Rule 3: restore the clock → thaw time → resume devices → resume VPs, never VPs first.
    resuming: {
      entry: phase('resuming'),
      initial: 'restoreClock',
      on: {
        RESUME: request(['noOperationInFlight'], { target: '.hist', reenter: true }),
        CLOSE: request(['noOperationInFlight'], { target: '#partition.closing.parkVps' }),
      },
      states: {
        hist: { type: 'history' },
        restoreClock: opStage(
          { op: 'SET_PARTITION_PROPERTY', args: { property: 'REFERENCE_TIME', value: 'savedClock' } },
          'thawTime',
        ),
        thawTime: opStage(
          { op: 'SET_PARTITION_PROPERTY', args: { property: 'TIME_FREEZE', value: 0 } },
          'resumeDevices',
        ),
        resumeDevices: opStage({ op: 'RESUME_DEVICES' }, 'unparkVps'),
        unparkVps: opStage({ op: 'UNPARK_VPS' }, '#partition.live.running'),
      },
    },
    // Inventory §c.12, in the kernel's order; a step with nothing to do is skipped.
    closing: {
      entry: phase('closing'),
      initial: 'releaseEventfds',
      on: {
        CLOSE: request(['noOperationInFlight'], { target: '.hist', reenter: true }),
      },
      states: {
        hist: { type: 'history' },
        parkVps: opStage({ op: 'PARK_VPS' }, 'releaseEventfds'),
        releaseEventfds: guardedStage(
          'eventfdsToRelease',
          { op: 'RELEASE_EVENTFDS' },
          { target: '#partition.closing.suspendVps', actions: ['resetCursor'] },
          'once',
        ),
        suspendVps: guardedStage(
          'vpsLeftToSuspend',
          { op: 'SUSPEND_VP' },
          { target: '#partition.closing.releaseVps' },
          'each',
        ),
        releaseVps: guardedStage(
          'vpsLeftToRelease',
          { op: 'RELEASE_VP' },
          { target: '#partition.closing.finalize' },
          'each',
        ),
        finalize: guardedStage(
          'initializedToFinalize',
          { op: 'FINALIZE_PARTITION' },
          { target: '#partition.closing.unlist' },
          'once',
        ),
        unlist: opStage({ op: 'UNLIST_PARTITION' }, 'releaseRegions'),
        releaseRegions: guardedStage(
          'regionsLeftToRelease',
          { op: 'RELEASE_REGION' },
          { target: '#partition.closing.withdraw' },
          'each',
        ),
        withdraw: opStage({ op: 'WITHDRAW_MEMORY' }, 'deletePartition'),
        deletePartition: opStage({ op: 'DELETE_PARTITION' }, '#partition.closed'),
      },
    },
    // Not a final state: requests on a closed partition are answered EBADF, not dropped.
    closed: {
      entry: phase('closed'),
    },
  },
});
