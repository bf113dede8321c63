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
    applyResult: assign(({ context }) => applyPartitionResult(context)),
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
        SET_PROPERTY: [
          { guard: not('noOperationInFlight'), actions: reject('noOperationInFlight') },
          { guard: not('propertyNotManaged'), actions: reject('propertyNotManaged') },
          {
            guard: not('postInitPropertyOnlyAfterInitialize'),
            actions: reject('postInitPropertyOnlyAfterInitialize'),
          },
          { actions: startOp({ op: 'SET_PARTITION_PROPERTY' }) },
        ],
        INITIALIZE: [
          { guard: not('noOperationInFlight'), actions: reject('noOperationInFlight') },
          { actions: startOp({ op: 'MSHV_INITIALIZE_PARTITION' }) },
        ],
        CLOSE: [
          { guard: not('noOperationInFlight'), actions: reject('noOperationInFlight') },
          { target: 'closing' },
        ],
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
        SET_PROPERTY: [
          { guard: not('noOperationInFlight'), actions: reject('noOperationInFlight') },
          { guard: not('propertyNotManaged'), actions: reject('propertyNotManaged') },
          {
            guard: not('postInitPropertyOnlyAfterInitialize'),
            actions: reject('postInitPropertyOnlyAfterInitialize'),
          },
          { actions: startOp({ op: 'SET_PARTITION_PROPERTY' }) },
        ],
        INITIALIZE: [
          { guard: not('noOperationInFlight'), actions: reject('noOperationInFlight') },
          { actions: startOp({ op: 'MSHV_INITIALIZE_PARTITION' }) },
        ],
        CLOSE: [
          { guard: not('noOperationInFlight'), actions: reject('noOperationInFlight') },
          { target: 'closing' },
        ],
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
        SET_PROPERTY: [
          { guard: not('noOperationInFlight'), actions: reject('noOperationInFlight') },
          { guard: not('propertyNotManaged'), actions: reject('propertyNotManaged') },
          {
            guard: not('earlyPropertyOnlyBeforeInitialize'),
            actions: reject('earlyPropertyOnlyBeforeInitialize'),
          },
          {
            guard: not('postInitPropertyBeforeConfiguration'),
            actions: reject('postInitPropertyBeforeConfiguration'),
          },
          { actions: startOp({ op: 'SET_PARTITION_PROPERTY' }) },
        ],
        // §c.3: idempotent once initialized; the kernel answers 0.
        INITIALIZE: [
          { guard: not('noOperationInFlight'), actions: reject('noOperationInFlight') },
          { actions: startOp({ op: 'MSHV_INITIALIZE_PARTITION' }) },
        ],
        CREATE_VP: [
          { guard: not('noOperationInFlight'), actions: reject('noOperationInFlight') },
          { guard: not('vpIndexBelowMax'), actions: reject('vpIndexBelowMax') },
          { guard: not('vpSlotFree'), actions: reject('vpSlotFree') },
          { actions: startOp({ op: 'MSHV_CREATE_VP' }) },
        ],
        MAP_MEMORY: [
          { guard: not('noOperationInFlight'), actions: reject('noOperationInFlight') },
          { guard: not('regionNotMapped'), actions: reject('regionNotMapped') },
          { actions: startOp({ op: 'MSHV_SET_GUEST_MEMORY', args: { unmap: false } }) },
        ],
        UNMAP_MEMORY: [
          { guard: not('noOperationInFlight'), actions: reject('noOperationInFlight') },
          { guard: not('regionMapped'), actions: reject('regionMapped') },
          { actions: startOp({ op: 'MSHV_SET_GUEST_MEMORY', args: { unmap: true } }) },
        ],
        INSTALL_INTERCEPT: [
          { guard: not('noOperationInFlight'), actions: reject('noOperationInFlight') },
          { actions: startOp({ op: 'INSTALL_INTERCEPT' }) },
        ],
        IOEVENTFD: [
          { guard: not('noOperationInFlight'), actions: reject('noOperationInFlight') },
          { guard: not('ioeventfdNotPio'), actions: reject('ioeventfdNotPio') },
          { guard: not('ioeventfdAssigned'), actions: reject('ioeventfdAssigned') },
          { actions: startOp({ op: 'MSHV_IOEVENTFD' }) },
        ],
        IRQFD: [
          { guard: not('noOperationInFlight'), actions: reject('noOperationInFlight') },
          { actions: startOp({ op: 'MSHV_IRQFD' }) },
        ],
        SET_MSI_ROUTING: [
          { guard: not('noOperationInFlight'), actions: reject('noOperationInFlight') },
          { actions: startOp({ op: 'MSHV_SET_MSI_ROUTING' }) },
        ],
        FREEZE_TIME: [
          { guard: not('noOperationInFlight'), actions: reject('noOperationInFlight') },
          { guard: not('timeFreezeOnlyWithVpsParked'), actions: reject('timeFreezeOnlyWithVpsParked') },
          { actions: startOp({ op: 'SET_PARTITION_PROPERTY', args: { property: 'TIME_FREEZE', value: 1 } }) },
        ],
        // Rule 2: freeze and thaw are idempotent.
        THAW_TIME: [
          { guard: not('noOperationInFlight'), actions: reject('noOperationInFlight') },
          { actions: startOp({ op: 'SET_PARTITION_PROPERTY', args: { property: 'TIME_FREEZE', value: 0 } }) },
        ],
        SET_REFERENCE_TIME: [
          { guard: not('noOperationInFlight'), actions: reject('noOperationInFlight') },
          { guard: not('referenceTimeOnlyWhileFrozen'), actions: reject('referenceTimeOnlyWhileFrozen') },
          { actions: startOp({ op: 'SET_PARTITION_PROPERTY', args: { property: 'REFERENCE_TIME' } }) },
        ],
        SNAPSHOT: [
          { guard: not('noOperationInFlight'), actions: reject('noOperationInFlight') },
          { guard: not('snapshotOnlyWhileQuiesced'), actions: reject('snapshotOnlyWhileQuiesced') },
          { actions: startOp({ op: 'SNAPSHOT' }) },
        ],
        ENABLE_DIRTY_TRACKING: [
          { guard: not('noOperationInFlight'), actions: reject('noOperationInFlight') },
          {
            actions: startOp({
              op: 'SET_PARTITION_PROPERTY',
              args: { property: 'GPA_PAGE_ACCESS_TRACKING', value: 1 },
            }),
          },
        ],
        READ_DIRTY: [
          { guard: not('noOperationInFlight'), actions: reject('noOperationInFlight') },
          { guard: not('dirtyTrackingEnabled'), actions: reject('dirtyTrackingEnabled') },
          { guard: not('dirtyReadWithinBitmapMax'), actions: reject('dirtyReadWithinBitmapMax') },
          { actions: startOp({ op: 'MSHV_GET_GPAP_ACCESS_BITMAP', args: { mode: 'readAndClear' } }) },
        ],
        MARK_ALL_DIRTY: [
          { guard: not('noOperationInFlight'), actions: reject('noOperationInFlight') },
          { guard: not('dirtyTrackingEnabled'), actions: reject('dirtyTrackingEnabled') },
          { actions: startOp({ op: 'MSHV_GET_GPAP_ACCESS_BITMAP', args: { mode: 'markAllDirty' } }) },
        ],
        DISABLE_DIRTY_TRACKING: [
          { guard: not('noOperationInFlight'), actions: reject('noOperationInFlight') },
          { guard: not('dirtyTrackingEnabled'), actions: reject('dirtyTrackingEnabled') },
          {
            guard: not('allPagesMarkedDirtyBeforeDisable'),
            actions: reject('allPagesMarkedDirtyBeforeDisable'),
          },
          {
            actions: startOp({
              op: 'SET_PARTITION_PROPERTY',
              args: { property: 'GPA_PAGE_ACCESS_TRACKING', value: 0 },
            }),
          },
        ],
        CLOSE: [
          { guard: not('noOperationInFlight'), actions: reject('noOperationInFlight') },
          { target: '#partition.closing' },
        ],
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
            START: [
              { guard: not('noOperationInFlight'), actions: reject('noOperationInFlight') },
              { guard: not('timeThawedBeforeVpsRun'), actions: reject('timeThawedBeforeVpsRun') },
              { target: 'running', actions: 'markRunning' },
            ],
          },
        },
        running: {
          entry: phase('running'),
          on: {
            PAUSE: [
              { guard: not('noOperationInFlight'), actions: reject('noOperationInFlight') },
              { target: '#partition.pausing' },
            ],
            // VP threads may be in MSHV_RUN_VP: park them before the teardown.
            CLOSE: [
              { guard: not('noOperationInFlight'), actions: reject('noOperationInFlight') },
              { target: '#partition.closing.parkVps' },
            ],
          },
        },
        paused: {
          entry: phase('paused'),
          on: {
            // Resume writes the saved clock back first: rule 2 needs time frozen for that.
            RESUME: [
              { guard: not('noOperationInFlight'), actions: reject('noOperationInFlight') },
              {
                guard: not('referenceTimeOnlyWhileFrozen'),
                actions: reject('referenceTimeOnlyWhileFrozen'),
              },
              { target: '#partition.resuming' },
            ],
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
        PAUSE: [
          { guard: not('noOperationInFlight'), actions: reject('noOperationInFlight') },
          { target: '.hist', reenter: true },
        ],
        CLOSE: [
          { guard: not('noOperationInFlight'), actions: reject('noOperationInFlight') },
          { target: '#partition.closing.parkVps' },
        ],
      },
      states: {
        hist: { type: 'history' },
        parkVps: {
          entry: startOp({ op: 'PARK_VPS' }),
          on: {
            OP_OK: {
              guard: { type: 'resultIs', params: { op: 'PARK_VPS' } },
              target: 'saveClock',
              actions: 'applyResult',
            },
          },
        },
        saveClock: {
          entry: startOp({ op: 'GET_PARTITION_PROPERTY', args: { property: 'REFERENCE_TIME' } }),
          on: {
            OP_OK: {
              guard: { type: 'resultIs', params: { op: 'GET_PARTITION_PROPERTY' } },
              target: 'quiesceDevices',
              actions: 'applyResult',
            },
          },
        },
        quiesceDevices: {
          entry: startOp({ op: 'QUIESCE_DEVICES' }),
          on: {
            OP_OK: {
              guard: { type: 'resultIs', params: { op: 'QUIESCE_DEVICES' } },
              target: 'freezeTime',
              actions: 'applyResult',
            },
          },
        },
        freezeTime: {
          entry: startOp({ op: 'SET_PARTITION_PROPERTY', args: { property: 'TIME_FREEZE', value: 1 } }),
          on: {
            OP_OK: {
              guard: { type: 'resultIs', params: { op: 'SET_PARTITION_PROPERTY' } },
              target: '#partition.live.paused',
              actions: 'applyResult',
            },
          },
        },
      },
    },
    // Rule 3: restore the clock → thaw time → resume devices → resume VPs, never VPs first.
    resuming: {
      entry: phase('resuming'),
      initial: 'restoreClock',
      on: {
        RESUME: [
          { guard: not('noOperationInFlight'), actions: reject('noOperationInFlight') },
          { target: '.hist', reenter: true },
        ],
        CLOSE: [
          { guard: not('noOperationInFlight'), actions: reject('noOperationInFlight') },
          { target: '#partition.closing.parkVps' },
        ],
      },
      states: {
        hist: { type: 'history' },
        restoreClock: {
          entry: startOp({
            op: 'SET_PARTITION_PROPERTY',
            args: { property: 'REFERENCE_TIME', value: 'savedClock' },
          }),
          on: {
            OP_OK: {
              guard: { type: 'resultIs', params: { op: 'SET_PARTITION_PROPERTY' } },
              target: 'thawTime',
              actions: 'applyResult',
            },
          },
        },
        thawTime: {
          entry: startOp({ op: 'SET_PARTITION_PROPERTY', args: { property: 'TIME_FREEZE', value: 0 } }),
          on: {
            OP_OK: {
              guard: { type: 'resultIs', params: { op: 'SET_PARTITION_PROPERTY' } },
              target: 'resumeDevices',
              actions: 'applyResult',
            },
          },
        },
        resumeDevices: {
          entry: startOp({ op: 'RESUME_DEVICES' }),
          on: {
            OP_OK: {
              guard: { type: 'resultIs', params: { op: 'RESUME_DEVICES' } },
              target: 'unparkVps',
              actions: 'applyResult',
            },
          },
        },
        unparkVps: {
          entry: startOp({ op: 'UNPARK_VPS' }),
          on: {
            OP_OK: {
              guard: { type: 'resultIs', params: { op: 'UNPARK_VPS' } },
              target: '#partition.live.running',
              actions: 'applyResult',
            },
          },
        },
      },
    },
    // Inventory §c.12, in the kernel's order; a step with nothing to do is skipped.
    closing: {
      entry: phase('closing'),
      initial: 'releaseEventfds',
      on: {
        CLOSE: [
          { guard: not('noOperationInFlight'), actions: reject('noOperationInFlight') },
          { target: '.hist', reenter: true },
        ],
      },
      states: {
        hist: { type: 'history' },
        parkVps: {
          entry: startOp({ op: 'PARK_VPS' }),
          on: {
            OP_OK: {
              guard: { type: 'resultIs', params: { op: 'PARK_VPS' } },
              target: 'releaseEventfds',
              actions: 'applyResult',
            },
          },
        },
        releaseEventfds: {
          initial: 'check',
          states: {
            check: {
              always: [
                { guard: 'eventfdsToRelease', target: 'issue' },
                { target: '#partition.closing.suspendVps', actions: 'resetCursor' },
              ],
            },
            issue: {
              entry: startOp({ op: 'RELEASE_EVENTFDS' }),
              on: {
                OP_OK: {
                  guard: { type: 'resultIs', params: { op: 'RELEASE_EVENTFDS' } },
                  target: '#partition.closing.suspendVps',
                  actions: ['applyResult', 'resetCursor'],
                },
              },
            },
          },
        },
        suspendVps: {
          initial: 'check',
          states: {
            check: {
              always: [
                { guard: 'vpsLeftToSuspend', target: 'issue' },
                { target: '#partition.closing.releaseVps' },
              ],
            },
            issue: {
              entry: startOp({ op: 'SUSPEND_VP' }),
              on: {
                OP_OK: {
                  guard: { type: 'resultIs', params: { op: 'SUSPEND_VP' } },
                  target: 'check',
                  actions: 'applyResult',
                },
              },
            },
          },
        },
        releaseVps: {
          initial: 'check',
          states: {
            check: {
              always: [
                { guard: 'vpsLeftToRelease', target: 'issue' },
                { target: '#partition.closing.finalize' },
              ],
            },
            issue: {
              entry: startOp({ op: 'RELEASE_VP' }),
              on: {
                OP_OK: {
                  guard: { type: 'resultIs', params: { op: 'RELEASE_VP' } },
                  target: 'check',
                  actions: 'applyResult',
                },
              },
            },
          },
        },
        finalize: {
          entry: startOp({ op: 'FINALIZE_PARTITION' }),
          on: {
            OP_OK: {
              guard: { type: 'resultIs', params: { op: 'FINALIZE_PARTITION' } },
              target: 'unlist',
              actions: 'applyResult',
            },
          },
        },
        unlist: {
          entry: startOp({ op: 'UNLIST_PARTITION' }),
          on: {
            OP_OK: {
              guard: { type: 'resultIs', params: { op: 'UNLIST_PARTITION' } },
              target: 'releaseRegions',
              actions: 'applyResult',
            },
          },
        },
        releaseRegions: {
          initial: 'check',
          states: {
            check: {
              always: [
                { guard: 'regionsLeftToRelease', target: 'issue' },
                { target: '#partition.closing.withdraw' },
              ],
            },
            issue: {
              entry: startOp({ op: 'RELEASE_REGION' }),
              on: {
                OP_OK: {
                  guard: { type: 'resultIs', params: { op: 'RELEASE_REGION' } },
                  target: 'check',
                  actions: 'applyResult',
                },
              },
            },
          },
        },
        withdraw: {
          entry: startOp({ op: 'WITHDRAW_MEMORY' }),
          on: {
            OP_OK: {
              guard: { type: 'resultIs', params: { op: 'WITHDRAW_MEMORY' } },
              target: 'deletePartition',
              actions: 'applyResult',
            },
          },
        },
        deletePartition: {
          entry: startOp({ op: 'DELETE_PARTITION' }),
          on: {
            OP_OK: {
              guard: { type: 'resultIs', params: { op: 'DELETE_PARTITION' } },
              target: '#partition.closed',
              actions: 'applyResult',
            },
          },
        },
      },
    },
    // Not a final state: requests on a closed partition are answered EBADF, not dropped.
    closed: {
      entry: phase('closed'),
    },
  },
});
