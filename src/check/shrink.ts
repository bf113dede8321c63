import type { RandomFaultRates } from '../../adapters/simulated/faults/FaultPlan.js';
import type { HypercallName } from '../hv/HypercallCode.js';
import type { JsonValue } from '../log/JsonValue.js';
import type { Explorer } from './Explorer.js';
import type { Violation } from './invariants/Invariant.js';
import type { Step } from './Step.js';

/** A path that violates an invariant, as short as shrinking made it. */
export interface ShrunkPath {
  readonly path: readonly Step[];
  readonly violation: Violation;
  /** Random fault rates the world still needs (undefined when every fault is an armed step). */
  readonly randomFaults: RandomFaultRates | undefined;
  /** Re-runs shrinking spent. */
  readonly attempts: number;
}

/** Re-runs shrinking may spend (each is one path from the root, a dozen steps or so). */
export const SHRINK_ATTEMPTS_MAX = 2_000;

/**
 * Run a path from the root, every step judged; the first violation and the step it happened at.
 *
 * @example
 * const hit = firstViolation(explorer, path); // { at: 3, violation: { invariant: 'windows', ... } }
 */
export function firstViolation(
  ex: Explorer,
  path: readonly Step[],
  randomFaults?: RandomFaultRates,
): { readonly at: number; readonly violation: Violation } | undefined {
  const w = ex.world(randomFaults);
  for (const [at, step] of path.entries()) {
    if (w.crashed) return undefined;
    const r = ex.judge(w, step);
    if (r.violation !== undefined) return { at, violation: r.violation };
  }
  return undefined;
}

/**
 * The random faults a path's world injected, turned into armed fault steps placed before the step
 * during which each fired; undefined when one of them completed part of a rep call first (a planned
 * fault cannot express that).
 */
function armedFromRandom(ex: Explorer, path: readonly Step[], rates: RandomFaultRates): Step[] | undefined {
  const w = ex.world(rates);
  const faults = w.sim.machine.hypervisor.faults;
  const out: Step[] = [];
  for (const step of path) {
    const before = faults.injected.length;
    const counts = new Map(faults.calls());
    const r = w.run(step);
    const fired = faults.injected.slice(before).filter((f) => f.source === 'random');
    for (const f of fired) {
      if (f.partialReps > 0) return undefined;
      out.push({
        kind: 'fault',
        call: f.call as HypercallName,
        status: f.status,
        skip: f.nth - (counts.get(f.call) ?? 0) - 1,
      });
    }
    out.push(step);
    if (r.error !== undefined || w.crashed) break;
  }
  return out;
}

/** Candidate simplifications of one step's arguments, simplest first. */
function simpler(step: Step): Step[] {
  if (step.kind === 'fault') return step.skip > 0 ? [{ ...step, skip: 0 }] : [];
  if (step.kind !== 'intent') return [];
  const args = step.args as Readonly<Record<string, JsonValue>>;
  const out: Step[] = [];
  if (typeof args.vp === 'number' && args.vp > 0) out.push({ ...step, args: { ...args, vp: 0 } });
  const exits = args.exits;
  if (Array.isArray(exits) && exits.length > 1)
    out.push({ ...step, args: { ...args, exits: [exits[0] ?? null] } });
  const request = args.request as Readonly<Record<string, JsonValue>> | undefined;
  if (request !== undefined && typeof request.vp === 'number' && request.vp > 0 && request.vp < 256)
    out.push({ ...step, args: { ...args, request: { ...request, vp: 0 } } });
  const create = args.args as Readonly<Record<string, JsonValue>> | undefined;
  if (step.name === 'createPartition' && typeof create?.ptFlags === 'string') {
    const flags = BigInt(create.ptFlags);
    for (let bit = 0n; bit < 64n; bit++)
      if ((flags & (1n << bit)) !== 0n)
        out.push({
          ...step,
          args: { ...args, args: { ...create, ptFlags: `0x${(flags & ~(1n << bit)).toString(16)}` } },
        });
  }
  return out;
}

/**
 * Shrink a violating path to a small one that violates the same invariant: first turn random faults
 * into armed fault steps where that keeps the violation; then drop steps (an intent together with the
 * fault armed for it), in halves, then quarters, down to single steps; then drop fault steps alone;
 * then simplify arguments (VP index 0, one guest exit, fewer partition flags, fault skip 0). Every
 * candidate is re-run from the root and kept only if the same invariant still breaks, and the path is
 * cut right after the step where it breaks. Deterministic: same path, same result.
 *
 * @example
 * const small = shrink(explorer, found.path, found.violation);
 */
export function shrink(
  ex: Explorer,
  path: readonly Step[],
  violation: Violation,
  randomFaults?: RandomFaultRates,
): ShrunkPath {
  let attempts = 0;
  let rates = randomFaults;
  let best: readonly Step[] = path;
  let bestViolation = violation;
  const tries = (candidate: readonly Step[], r: RandomFaultRates | undefined): boolean => {
    if (attempts >= SHRINK_ATTEMPTS_MAX) return false;
    attempts += 1;
    const hit = firstViolation(ex, candidate, r);
    if (hit?.violation.invariant !== violation.invariant) return false;
    best = candidate.slice(0, hit.at + 1);
    bestViolation = hit.violation;
    rates = r;
    return true;
  };
  const first = firstViolation(ex, path, rates);
  attempts += 1;
  if (first?.violation.invariant === violation.invariant) {
    best = path.slice(0, first.at + 1);
    bestViolation = first.violation;
  }
  if (rates !== undefined && Object.keys(rates).length > 0) {
    const armed = armedFromRandom(ex, best, rates);
    if (armed !== undefined) tries(armed, undefined);
  }
  /** Units to drop: an intent with the faults armed right before it, or the crash. */
  const units = (p: readonly Step[], faultsOnly: boolean): [number, number][] => {
    const out: [number, number][] = [];
    for (let i = 0; i < p.length;) {
      let j = i;
      while (j < p.length && p[j]?.kind === 'fault') j++;
      if (faultsOnly) {
        if (j > i) out.push([i, j]);
      } else out.push([i, Math.min(j + 1, p.length)]);
      i = Math.min(j + 1, p.length);
      if (j === p.length) break;
    }
    return out;
  };
  for (const faultsOnly of [false, true]) {
    for (let changed = true; changed;) {
      changed = false;
      const u = units(best, faultsOnly);
      for (let size = Math.max(1, u.length >> 1); size >= 1 && !changed; size >>= 1)
        for (let k = u.length - size; k >= 0 && !changed; k -= size) {
          const from = u[k]?.[0] ?? 0;
          const to = u[k + size - 1]?.[1] ?? from;
          if (tries([...best.slice(0, from), ...best.slice(to)], rates)) changed = true;
        }
    }
  }
  for (let changed = true; changed;) {
    changed = false;
    for (const [i, step] of best.entries()) {
      if (changed) break;
      for (const s of simpler(step))
        if (tries([...best.slice(0, i), s, ...best.slice(i + 1)], rates)) {
          changed = true;
          break;
        }
    }
  }
  return { path: best, violation: bestViolation, randomFaults: rates, attempts };
}
