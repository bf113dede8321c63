import type { RandomFaultRates } from '../../adapters/simulated/faults/FaultPlan.js';
import { Rng } from '../det/Rng.js';
import { HvStatus, hvStatusName } from '../hv/HvStatus.js';
import type { CheckModel } from './CheckModel.js';
import { crashApplies, enabledIntents } from './enabledIntents.js';
import type { Explorer, FoundViolation, UnitCounts } from './Explorer.js';
import type { Step } from './Step.js';

/** What one walk did (with what it added to coverage and work). */
export interface WalkOutcome extends UnitCounts {
  readonly violation: FoundViolation | undefined;
  readonly transitions: number;
  /** Digests of the states the walk passed through (the coordinator counts distinct ones). */
  readonly digests: readonly string[];
}

/** A walk's swarm choice: how likely each fault choice is armed before a step, and machine fault rates. */
export interface Swarm {
  /** Per fault choice of the model (same order), the probability of arming it before a step. */
  readonly arm: readonly number[];
  /** The simulated hypervisor's own random faults (empty unless `random.machineFaultRateMax` > 0). */
  readonly machine: RandomFaultRates;
}

/** A rate up to `max`: off half the time, else a quarter, a half, three quarters or all of `max`. */
function rate(rng: Rng, max: number): number {
  return rng.chance(0.5) ? 0 : (max * (rng.below(4) + 1)) / 4;
}

/**
 * The swarm choice of one walk, from the walk's stream: each fault choice of the model gets its own
 * arming probability (or none), so different walks stress different fault mixes (swarm testing); with
 * `machineFaultRateMax` > 0 each fault status also gets a rate for the simulated hypervisor's own
 * random faults.
 *
 * @example
 * swarm(model, new Rng(7).derive('walk 0')).arm; // [0, 0.15, 0, 0.3]
 */
export function swarm(model: CheckModel, rng: Rng): Swarm {
  const arm = model.faults.map(() => rate(rng, model.random.faultRateMax));
  const machine: Record<string, number> = {};
  if (model.random.machineFaultRateMax > 0)
    for (const status of [...new Set(model.faults.map((f) => f.status))].sort((a, b) => a - b)) {
      // A late completion (CALL_PENDING) is a fault choice, never a random fault (the FaultPlan refuses it).
      if (status === HvStatus.SUCCESS || status === HvStatus.CALL_PENDING) continue;
      const r = rate(rng, model.random.machineFaultRateMax);
      if (r > 0) machine[hvStatusName(status)] = r;
    }
  return { arm, machine };
}

const CRASH: Step = { kind: 'crash' };

/** A crash inside `step` after one of its `operations` picked uniformly; undefined when it completed none. */
function crashInside(
  step: Step & { readonly kind: 'intent' },
  operations: number,
  rng: Rng,
): Step | undefined {
  if (operations < 1) return undefined;
  const afterOperations = 1 + rng.below(operations);
  return { kind: 'crash', inside: { intent: { name: step.name, args: step.args }, afterOperations } };
}

/** Tries per state-changing step a walk may spend (refused requests change nothing). */
const ATTEMPTS_PER_STEP = 8;

/**
 * One seeded random walk (TigerBeetle VOPR style): a world with the walk's swarm choice, then up to
 * `bounds.steps` state-changing steps, each picked uniformly among the enabled intents, the VMM
 * crashing with probability 1 / (2 × steps) at each (which ends the walk); before each intent, every
 * fault choice may be armed with its swarm probability (while the fault budget lasts). With the
 * model's `crashInside`, half of those crashes (all of them while no partition is open, where a crash
 * between intents has nothing to recover) fall inside the next intent that changes the world, after
 * one of its operations picked uniformly: the walk runs that intent whole and judges it, then judges
 * the crash inside it on a world rebuilt to the state before it (the walk ends there, so one rebuild
 * per walk at most; an intent that completed no operation passes the crash to the next one). Every
 * step is judged. Refused requests are judged but do not count as steps and stay out of the path
 * (they change nothing). Time and randomness come only from `seed` and the walk's index; a model
 * without `crashInside` draws exactly the numbers it drew before it existed.
 *
 * @example
 * const { violation } = randomWalk(explorer, 7, 0);
 */
export function randomWalk(ex: Explorer, seed: number, index: number): WalkOutcome {
  const { result, coverage, work } = ex.unit(() => walk(ex, seed, index));
  return { ...result, coverage, work };
}

function walk(ex: Explorer, seed: number, index: number): Omit<WalkOutcome, keyof UnitCounts> {
  const model = ex.model;
  const rng = new Rng(seed).derive(`walk ${index}`);
  const choice = swarm(model, rng);
  const randomFaults = Object.keys(choice.machine).length > 0 ? choice.machine : undefined;
  const world = ex.world(randomFaults);
  const path: Step[] = [];
  const digests: string[] = [];
  let transitions = 0;
  let faults = 0;
  const found = (p: Step[], v: FoundViolation['violation']): Omit<WalkOutcome, keyof UnitCounts> => ({
    violation: { path: p, violation: v, ...(randomFaults === undefined ? {} : { randomFaults }) },
    transitions,
    digests,
  });
  const bound = model.bounds.steps;
  const inside = model.crash && model.crashInside === true;
  // The crash coin fell inside the next intent that changes the world.
  let dieInsideNext = false;
  for (let depth = 0, attempts = 0; depth < bound && attempts < ATTEMPTS_PER_STEP * bound; attempts++) {
    const canCrash = crashApplies(model, world);
    if (!dieInsideNext && (canCrash || inside) && rng.chance(1 / (2 * bound))) {
      if (inside && (!canCrash || rng.chance(0.5))) dieInsideNext = true;
      else {
        transitions += 1;
        const c = ex.judge(world, CRASH);
        if (c.violation !== undefined) return found([...path, CRASH], c.violation);
        break;
      }
    }
    const intents = enabledIntents(model, world);
    const step = intents.length === 0 ? undefined : intents[rng.below(intents.length)];
    if (step === undefined) break;
    transitions += 1;
    for (const [i, f] of model.faults.entries()) {
      if (faults >= model.bounds.faults || !rng.chance(choice.arm[i] ?? 0)) continue;
      const fault: Step = { kind: 'fault', ...f };
      const armed = ex.judge(world, fault);
      path.push(fault);
      faults += 1;
      if (armed.violation !== undefined) return found([...path], armed.violation);
    }
    const r = ex.judge(world, step);
    if (r.violation !== undefined) return found([...path, step], r.violation);
    if (r.unchanged) continue;
    if (dieInsideNext && step.kind === 'intent') {
      const crash = crashInside(step, r.operations, rng);
      // An intent that completed no operation (the machines alone changed) has no point inside it:
      // the crash falls inside the next one that completes one.
      if (crash !== undefined) {
        transitions += 1;
        digests.push(ex.digestOf(world));
        const c = ex.judge(ex.replay(path, randomFaults), crash);
        if (c.violation !== undefined) return found([...path, crash], c.violation);
        break;
      }
    }
    path.push(step);
    depth += 1;
    digests.push(ex.digestOf(world));
  }
  return { violation: undefined, transitions, digests };
}
