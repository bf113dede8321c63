import type { RandomFaultRates } from '../../adapters/simulated/faults/FaultPlan.js';
import { Rng } from '../det/Rng.js';
import { hvStatusName } from '../hv/HvStatus.js';
import type { CheckModel } from './CheckModel.js';
import { crashApplies, enabledIntents } from './enabledIntents.js';
import type { Explorer, FoundViolation } from './Explorer.js';
import type { Step } from './Step.js';

/** What one walk did. */
export interface WalkOutcome {
  readonly violation: FoundViolation | undefined;
  readonly transitions: number;
  /** Digests of the states the walk passed through (the coordinator counts distinct ones). */
  readonly digests: readonly string[];
}

/**
 * The swarm choice of one walk: for each status the model's faults can inject, either off or a rate
 * up to `random.faultRateMax` (a quarter, a half, three quarters or all of it), from the walk's
 * stream. Different walks thus stress different fault mixes (swarm testing).
 *
 * @example
 * swarmRates(model, new Rng(7).derive('walk 0')); // { INSUFFICIENT_MEMORY: 0.025 }
 */
export function swarmRates(model: CheckModel, rng: Rng): RandomFaultRates {
  const rates: Record<string, number> = {};
  for (const status of [...new Set(model.faults.map((f) => f.status))].sort((a, b) => a - b)) {
    if (rng.chance(0.5)) continue;
    rates[hvStatusName(status)] = (model.random.faultRateMax * (rng.below(4) + 1)) / 4;
  }
  return rates;
}

const CRASH: Step = { kind: 'crash' };

/**
 * One seeded random walk (TigerBeetle VOPR style): a world with the walk's swarm fault rates, then
 * up to `bounds.steps` state-changing steps, each picked uniformly among the enabled intents, an
 * armed fault before one of them (while the fault budget lasts) and the crash. Every step is judged.
 * Refused requests are judged but do not count as steps and stay out of the path (they change
 * nothing). Time and randomness come only from `seed` and the walk's index.
 *
 * @example
 * const { violation } = randomWalk(explorer, 7, 0);
 */
export function randomWalk(ex: Explorer, seed: number, index: number): WalkOutcome {
  const model = ex.model;
  const rng = new Rng(seed).derive(`walk ${index}`);
  const randomFaults = swarmRates(model, rng);
  const world = ex.world(randomFaults);
  const path: Step[] = [];
  const digests: string[] = [];
  let transitions = 0;
  let faults = 0;
  const found = (p: Step[], v: FoundViolation['violation']): WalkOutcome => ({
    violation: { path: p, violation: v, randomFaults },
    transitions,
    digests,
  });
  for (
    let depth = 0, attempts = 0;
    depth < model.bounds.steps && attempts < 4 * model.bounds.steps;
    attempts++
  ) {
    const intents = enabledIntents(model, world);
    const crash = crashApplies(model, world);
    const choices = intents.length + (crash ? 1 : 0);
    if (choices === 0) break;
    const pick = rng.below(choices);
    transitions += 1;
    if (pick === intents.length) {
      const c = ex.judge(world, CRASH);
      if (c.violation !== undefined) return found([...path, CRASH], c.violation);
      break;
    }
    const step = intents[pick];
    if (step === undefined) break;
    if (faults < model.bounds.faults && model.faults.length > 0 && rng.chance(0.25)) {
      const f = rng.pick(model.faults);
      const fault: Step = { kind: 'fault', call: f.call, status: f.status, skip: f.skip };
      const armed = ex.judge(world, fault);
      path.push(fault);
      faults += 1;
      if (armed.violation !== undefined) return found([...path], armed.violation);
    }
    const r = ex.judge(world, step);
    if (r.violation !== undefined) return found([...path, step], r.violation);
    if (r.unchanged) continue;
    path.push(step);
    depth += 1;
    digests.push(ex.digestOf(world));
  }
  return { violation: undefined, transitions, digests };
}
