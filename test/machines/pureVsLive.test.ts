import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type AnyStateMachine, type EventFromLogic, type InputFrom, createActor } from 'xstate';
import { PARTITION_OPS } from '../../machines/partition/PartitionOp.js';
import type { PSnap, VSnap } from './drive.js';
import type { PartitionEvent, PartitionRequest } from '../../machines/partition/PartitionEvent.js';
import { partitionMachine } from '../../machines/partition/partitionMachine.js';
import { pureStart, pureStep } from '../../machines/pureStep.js';
import { EXIT_KINDS } from '../../machines/vp/ExitKind.js';
import type { VpEvent } from '../../machines/vp/VpEvent.js';
import { vpMachine } from '../../machines/vp/vpMachine.js';
import type { VpStatePart } from '../../machines/vp/VpStatePart.js';

/**
 * An abstract event: a request as it is, or a result resolved against the operation in flight at
 * the moment it is sent, so random sequences reach deep states instead of being refused.
 */
type Abstract<R> =
  | { readonly kind: 'request'; readonly request: R }
  | { readonly kind: 'accepted'; readonly pick: number }
  | { readonly kind: 'ok'; readonly exit: (typeof EXIT_KINDS)[number]; readonly pick: number }
  | { readonly kind: 'fail'; readonly errno: 'EINTR' | 'EAGAIN' | 'EIO' }
  | { readonly kind: 'stray' };

const partitionRequest: fc.Arbitrary<PartitionRequest> = fc.oneof(
  fc.constantFrom<PartitionRequest>(
    { type: 'INITIALIZE' },
    { type: 'START' },
    { type: 'PAUSE' },
    { type: 'RESUME' },
    { type: 'FREEZE_TIME' },
    { type: 'THAW_TIME' },
    { type: 'SNAPSHOT' },
    { type: 'ENABLE_DIRTY_TRACKING' },
    { type: 'MARK_ALL_DIRTY' },
    { type: 'DISABLE_DIRTY_TRACKING' },
    { type: 'CLOSE' },
  ),
  fc.record({
    type: fc.constant('SET_PROPERTY' as const),
    property: fc.constantFrom('SYNTHETIC_PROC_FEATURES', 'UNIMPLEMENTED_MSR_ACTION', 'TIME_FREEZE', 'X'),
    value: fc.constantFrom(0, 1),
  }),
  fc.record({ type: fc.constant('CREATE_VP' as const), vp: fc.constantFrom(0, 1, 2, 255, 256) }),
  fc.record({ type: fc.constant('MAP_MEMORY' as const), region: fc.constantFrom('a', 'b') }),
  fc.record({ type: fc.constant('UNMAP_MEMORY' as const), region: fc.constantFrom('a', 'b') }),
  fc.record({ type: fc.constant('INSTALL_INTERCEPT' as const), kind: fc.constant('IO') }),
  fc.record({ type: fc.constant('IOEVENTFD' as const), assign: fc.boolean(), pio: fc.boolean() }),
  fc.record({ type: fc.constant('IRQFD' as const), assign: fc.boolean() }),
  fc.record({ type: fc.constant('SET_MSI_ROUTING' as const), entries: fc.constantFrom(0, 8) }),
  fc.record({ type: fc.constant('SET_REFERENCE_TIME' as const), value: fc.constantFrom(0, 9) }),
  fc.record({ type: fc.constant('READ_DIRTY' as const), pages: fc.constantFrom(0, 1, 65_536, 65_537) }),
);

const vpRequest: fc.Arbitrary<VpEvent> = fc.oneof(
  fc.constantFrom<VpEvent>({ type: 'READY' }, { type: 'PARK' }, { type: 'UNPARK' }, { type: 'DELETE' }),
  fc.record({
    type: fc.constant('RUN' as const),
    partition: fc.constantFrom('running' as const, 'running' as const, 'paused' as const, 'closing' as const),
  }),
  fc.record({
    type: fc.constantFrom('SET_STATE' as const, 'GET_STATE' as const),
    part: fc.constantFrom<VpStatePart>('MSRS', 'REGISTERS', 'MISC_REGISTERS', 'XSAVE'),
  }),
);

/** Every request the generators can make, for the 'accepted' pick. */
const sample = <R>(arb: fc.Arbitrary<R>): R[] => [
  ...new Map(fc.sample(arb, { numRuns: 2000, seed: 7 }).map((r) => [JSON.stringify(r), r])).values(),
];
// CLOSE and DELETE end a script: they come as raw requests and in a script's tail. The requests that
// move a phase appear several times, so scripts get past created and paused.
const PHASE_MOVES: readonly PartitionRequest[] = [
  { type: 'INITIALIZE' },
  { type: 'START' },
  { type: 'PAUSE' },
  { type: 'RESUME' },
];
const PARTITION_CATALOGUE: readonly PartitionRequest[] = [
  ...sample(partitionRequest).filter((r) => r.type !== 'CLOSE'),
  ...PHASE_MOVES,
  ...PHASE_MOVES,
  ...PHASE_MOVES,
];
const VP_CATALOGUE: readonly VpEvent[] = [
  ...sample(vpRequest).filter((r) => r.type !== 'DELETE'),
  { type: 'READY' },
  { type: 'RUN', partition: 'running' },
  { type: 'RUN', partition: 'running' },
];
const tail = <R>(end: R): Abstract<R>[] => [
  { kind: 'request', request: end },
  ...Array.from({ length: 24 }, () => ({ kind: 'ok', exit: 'HALT', pick: 0 }) as const),
];

/**
 * The `pick`-th request of the catalogue that the machine accepts right now (stepped purely, so the
 * choice does not depend on the live actor); random scripts reach every phase this way.
 */
function acceptedRequest<M extends AnyStateMachine, R extends EventFromLogic<M>>(
  machine: M,
  snapshot: ReturnType<typeof pureStart<M>>['snapshot'],
  catalogue: readonly R[],
  pick: number,
): R {
  const ok = catalogue.filter(
    (r) => !pureStep<M, { type: string }>(machine, snapshot, r).emitted.some((e) => e.type === 'rejected'),
  );
  const from = ok.length > 0 ? ok : catalogue;
  return from[pick % from.length]!;
}

const abstract = <R>(request: fc.Arbitrary<R>): fc.Arbitrary<Abstract<R>> =>
  fc.oneof(
    { weight: 2, arbitrary: request.map((r) => ({ kind: 'request' as const, request: r })) },
    { weight: 4, arbitrary: fc.nat().map((pick) => ({ kind: 'accepted' as const, pick })) },
    {
      weight: 4,
      arbitrary: fc.record({
        kind: fc.constant('ok' as const),
        exit: fc.constantFrom(...EXIT_KINDS),
        pick: fc.nat(),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom('EINTR' as const, 'EAGAIN' as const, 'EIO' as const).map((errno) => ({
        kind: 'fail' as const,
        errno,
      })),
    },
    { weight: 1, arbitrary: fc.constant({ kind: 'stray' as const }) },
  );

/** The concrete partition event: results name the operation in flight. */
function partitionEvent(a: Abstract<PartitionRequest>, s: PSnap): PartitionEvent {
  const op = s.context.inflight?.op ?? 'SNAPSHOT';
  switch (a.kind) {
    case 'request':
      return a.request;
    case 'accepted':
      return acceptedRequest(partitionMachine, s, PARTITION_CATALOGUE, a.pick);
    case 'ok':
      // Nothing in flight: an answer would be stray, so make progress instead.
      if (s.context.inflight === null)
        return acceptedRequest(partitionMachine, s, PARTITION_CATALOGUE, a.pick);
      return { type: 'OP_OK', op };
    case 'fail':
      return { type: 'OP_FAILED', op, errno: a.errno };
    case 'stray':
      return { type: 'OP_OK', op: PARTITION_OPS[(op.length * 7) % PARTITION_OPS.length] ?? 'SNAPSHOT' };
  }
}

/** The concrete VP event: a run result while running, else the state operation in flight. */
function vpEvent(a: Abstract<VpEvent>, s: VSnap): VpEvent {
  const op = s.value === 'running' ? 'MSHV_RUN_VP' : (s.context.inflight?.op ?? 'VP_KICK');
  switch (a.kind) {
    case 'request':
      return a.request;
    case 'accepted':
      return acceptedRequest(vpMachine, s, VP_CATALOGUE, a.pick);
    case 'ok':
      if (s.value !== 'running' && s.context.inflight === null)
        return acceptedRequest(vpMachine, s, VP_CATALOGUE, a.pick);
      return { type: 'OP_OK', op, exit: a.exit };
    case 'fail':
      return { type: 'OP_FAILED', op, errno: a.errno, blocked: a.errno === 'EINTR' };
    case 'stray':
      return { type: 'OP_OK', op: 'MSHV_SET_VP_STATE' };
  }
}

/**
 * Feed the same events to a live actor and through the pure functions; after every event the
 * snapshots (persisted form: value, context, history) and the emitted events must be equal. Half
 * way, the live actor's persisted snapshot goes through JSON and a second actor restored from it
 * replays the rest of the log: it must end where the pure run ends.
 */
function compare<M extends AnyStateMachine>(
  machine: M,
  input: InputFrom<M>,
  next: (snapshot: ReturnType<typeof pureStart<M>>['snapshot'], i: number) => EventFromLogic<M>,
  length: number,
): void {
  const actor = createActor(machine, { input });
  let live: unknown[] = [];
  actor.on('*', (e) => live.push(e));
  actor.start();
  let pure = pureStart(machine, input);
  expect(live).toEqual(pure.emitted);
  const events: EventFromLogic<M>[] = [];
  let restoredFrom: { at: number; persisted: unknown } | undefined;
  for (let i = 0; i < length; i++) {
    const event = next(pure.snapshot, i);
    events.push(event);
    live = [];
    actor.send(event);
    pure = pureStep(machine, pure.snapshot, event);
    expect(live).toEqual(pure.emitted);
    expect(actor.getPersistedSnapshot()).toEqual(machine.getPersistedSnapshot(pure.snapshot));
    if (i === Math.floor(length / 2))
      restoredFrom = {
        at: i + 1,
        persisted: JSON.parse(JSON.stringify(actor.getPersistedSnapshot())) as unknown,
      };
  }
  actor.stop();
  if (restoredFrom === undefined) return;
  const replay = createActor(machine, { input, snapshot: restoredFrom.persisted as never });
  const replayed: unknown[] = [];
  replay.on('*', (e) => replayed.push(e));
  replay.start();
  for (const e of events.slice(restoredFrom.at)) replay.send(e);
  expect(replay.getPersistedSnapshot()).toEqual(machine.getPersistedSnapshot(pure.snapshot));
  replay.stop();
}

describe('the same definition, live and pure (xstate transition / initialTransition)', () => {
  it('partition: random event sequences give identical snapshots and emitted commands', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('hv' as const, 'root' as const),
        fc.array(abstract(partitionRequest), { minLength: 20, maxLength: 80, size: 'max' }),
        (scheduler, script) => {
          const full = [...script, ...tail<PartitionRequest>({ type: 'CLOSE' })];
          compare(partitionMachine, { scheduler }, (s, i) => partitionEvent(full[i]!, s), full.length);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('VP: random event sequences give identical snapshots and emitted commands', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('hv' as const, 'root' as const),
        fc.nat(3),
        fc.array(abstract(vpRequest), { minLength: 20, maxLength: 60, size: 'max' }),
        (scheduler, index, script) => {
          const full = [...script, ...tail<VpEvent>({ type: 'DELETE' })];
          compare(vpMachine, { index, scheduler }, (s, i) => vpEvent(full[i]!, s), full.length);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('a refusal never changes the snapshot and never comes with a command (any reachable state)', () => {
    fc.assert(
      fc.property(
        fc.array(abstract(partitionRequest), { minLength: 20, maxLength: 80, size: 'max' }),
        (script) => {
          let s = pureStart(partitionMachine, { scheduler: 'root' }).snapshot;
          for (const a of script) {
            const step = pureStep<typeof partitionMachine, { type: string }>(
              partitionMachine,
              s,
              partitionEvent(a, s),
            );
            if (step.emitted.some((e) => e.type === 'rejected')) {
              expect(step.emitted).toHaveLength(1);
              expect(step.snapshot).toBe(s);
            }
            // At most one operation in flight: a step emits at most one command.
            expect(step.emitted.filter((e) => e.type === 'op').length).toBeLessThanOrEqual(1);
            s = step.snapshot;
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
