import { readFileSync } from 'node:fs';
import type { SnapshotFrom } from 'xstate';
import type { Rejection } from '../../machines/MachineEmitted.js';
import type { PartitionPhase, Scheduler } from '../../machines/partition/PartitionContext.js';
import type { PartitionEvent, PartitionRequest } from '../../machines/partition/PartitionEvent.js';
import { type PartitionEmitted, partitionMachine } from '../../machines/partition/partitionMachine.js';
import type { PartitionCommand } from '../../machines/partition/PartitionOp.js';
import { pureStart, pureStep } from '../../machines/pureStep.js';
import type { VpEvent } from '../../machines/vp/VpEvent.js';
import { type VpEmitted, vpMachine } from '../../machines/vp/vpMachine.js';

export type PSnap = SnapshotFrom<typeof partitionMachine>;
export type VSnap = SnapshotFrom<typeof vpMachine>;

/** A fresh partition snapshot, stepped purely. */
export const pStart = (scheduler: Scheduler = 'hv'): PSnap =>
  pureStart<typeof partitionMachine, PartitionEmitted>(partitionMachine, { scheduler }).snapshot;

/** One pure partition step. */
export const pStep = (s: PSnap, e: PartitionEvent) =>
  pureStep<typeof partitionMachine, PartitionEmitted>(partitionMachine, s, e);

/** A fresh VP snapshot. */
export const vStart = (index = 0, scheduler: Scheduler = 'hv'): VSnap =>
  pureStart<typeof vpMachine, VpEmitted>(vpMachine, { index, scheduler }).snapshot;

/** One pure VP step. */
export const vStep = (s: VSnap, e: VpEvent) => pureStep<typeof vpMachine, VpEmitted>(vpMachine, s, e);

export const commandsOf = <C>(emitted: readonly (C | Rejection)[]): C[] =>
  emitted.filter((e): e is Exclude<C, Rejection> => (e as { type: string }).type === 'op');

export const rejectionsOf = (emitted: readonly { readonly type: string }[]): Rejection[] =>
  emitted.filter((e): e is Rejection => e.type === 'rejected');

/**
 * Send a request and answer every operation it leads to with OP_OK, until nothing is in flight;
 * returns the snapshot and every command in order. Throws on a refusal.
 */
export function complete(
  s: PSnap,
  request: PartitionRequest,
): { snapshot: PSnap; commands: PartitionCommand[] } {
  let step = pStep(s, request);
  const commands: PartitionCommand[] = [];
  for (;;) {
    const refused = rejectionsOf(step.emitted);
    if (refused.length > 0) throw new Error(`${request.type} refused: ${JSON.stringify(refused)}`);
    const cmd = commandsOf<PartitionCommand>(step.emitted)[0];
    if (cmd === undefined) return { snapshot: step.snapshot, commands };
    commands.push(cmd);
    step = pStep(step.snapshot, { type: 'OP_OK', op: cmd.op });
  }
}

/** `complete` for each request in turn. */
export function build(s: PSnap, requests: readonly PartitionRequest[]): PSnap {
  return requests.reduce((snap, r) => complete(snap, r).snapshot, s);
}

export interface Setup {
  readonly scheduler?: Scheduler;
  readonly vps?: readonly number[];
  readonly regions?: readonly string[];
  readonly ioeventfds?: number;
  readonly irqfds?: number;
}

/** An initialized partition configured with VPs, regions and eventfds. */
export function configured(o: Setup = {}): PSnap {
  const vps = o.vps ?? [0, 1];
  const regions = o.regions ?? ['0x0'];
  return build(pStart(o.scheduler ?? 'hv'), [
    { type: 'INITIALIZE' },
    ...vps.map((vp): PartitionRequest => ({ type: 'CREATE_VP', vp })),
    ...regions.map((region): PartitionRequest => ({ type: 'MAP_MEMORY', region })),
    ...Array.from({ length: o.ioeventfds ?? 0 }, (): PartitionRequest => ({
      type: 'IOEVENTFD',
      assign: true,
      pio: false,
    })),
    ...Array.from({ length: o.irqfds ?? 0 }, (): PartitionRequest => ({ type: 'IRQFD', assign: true })),
  ]);
}

export const running = (o: Setup = {}): PSnap => build(configured(o), [{ type: 'START' }]);
export const paused = (o: Setup = {}): PSnap => build(running(o), [{ type: 'PAUSE' }]);

export const phaseOf = (s: PSnap): PartitionPhase => s.context.phase;

/** test/fixtures/mshv-facts.json's teardown order (inventory §c.12). */
export function factsTeardownOrder(): string[] {
  const facts = JSON.parse(readFileSync(new URL('../fixtures/mshv-facts.json', import.meta.url), 'utf8')) as {
    teardown_order: string[];
    limits: { MSHV_MAX_VPS: number };
  };
  return facts.teardown_order;
}

/** test/fixtures/mshv-facts.json's MSHV_MAX_VPS. */
export function factsMaxVps(): number {
  const facts = JSON.parse(readFileSync(new URL('../fixtures/mshv-facts.json', import.meta.url), 'utf8')) as {
    limits: { MSHV_MAX_VPS: number };
  };
  return facts.limits.MSHV_MAX_VPS;
}
