import type { RandomFaultRates } from '../../adapters/simulated/faults/FaultPlan.js';
import type { HypercallName } from '../hv/HypercallCode.js';
import type { JsonValue } from '../log/JsonValue.js';
import type { Explorer } from './Explorer.js';
import type { Violation } from './invariants/Invariant.js';
import { pathRenames } from './pathRenames.js';
import type { Step } from './Step.js';

/** A path that violates an invariant, as short as shrinking made it. */
export interface ShrunkPath {
  readonly path: readonly Step[];
  readonly violation: Violation;
  /** Random fault rates the world still needs (undefined when every fault is an armed step). */
  readonly randomFaults: RandomFaultRates | undefined;
  /** Re-runs shrinking spent. */
  readonly attempts: number;
  /**
   * The path as given, re-run from the root with every step judged, broke the same invariant. When
   * false nothing was shrunk: `path` and `violation` are the ones given, and no candidate was tried.
   */
  readonly reproduced: boolean;
  /**
   * `SHRINK_ATTEMPTS_MAX` ran out before a whole round of the phases changed nothing: the path
   * violates the invariant but may not be 1-minimal.
   */
  readonly exhausted: boolean;
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
 * Units to drop together: an intent with the faults armed right before it, or the crash (the
 * faults in front of it with it); `[from, to)` indexes into the path.
 */
function units(p: readonly Step[]): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < p.length;) {
    let j = i;
    while (j < p.length && p[j]?.kind === 'fault') j++;
    out.push([i, Math.min(j + 1, p.length)]);
    i = j + 1;
  }
  return out;
}

/**
 * Shrink a violating path to a small one that violates the same invariant. After turning random
 * faults into armed fault steps where that keeps the violation, it runs rounds of phases until a
 * whole round changes nothing:
 * 1. drop steps: an intent together with the faults armed right before it, in halves, then
 *    quarters, down to single units;
 * 2. drop each intent (or the crash) alone, keeping the faults armed before it;
 * 3. drop each fault alone, then each random fault rate the world still needs;
 * 4. simplify arguments: rename a VP index consistently across the path (vp1 → vp0 everywhere) and
 *    a partition key (vm1 → vm0), then per step: VP index 0, one guest exit, fewer partition flags,
 *    fault skip 0.
 *
 * Every candidate is re-run from the root and kept only if the same invariant still breaks, and the
 * path is cut right after the step where it breaks. The result is 1-minimal unless `exhausted`
 * says the budget (`SHRINK_ATTEMPTS_MAX` re-runs) ran out first: no single step (intent, fault or
 * crash) can be removed with the same invariant still breaking. A path that does not break its
 * invariant when re-run is returned as given, with `reproduced: false`. Deterministic: same path,
 * same result.
 *
 * @example
 * const small = shrink(explorer, found.path, found.violation);
 * small.exhausted; // false: no single step of small.path can be dropped
 */
export function shrink(
  ex: Explorer,
  path: readonly Step[],
  violation: Violation,
  randomFaults?: RandomFaultRates,
): ShrunkPath {
  let attempts = 1;
  let exhausted = false;
  let rates = randomFaults;
  const first = firstViolation(ex, path, rates);
  if (first?.violation.invariant !== violation.invariant)
    return { path, violation, randomFaults: rates, attempts, reproduced: false, exhausted };
  let best: readonly Step[] = path.slice(0, first.at + 1);
  let bestViolation = first.violation;
  const tries = (candidate: readonly Step[], r: RandomFaultRates | undefined): boolean => {
    if (attempts >= SHRINK_ATTEMPTS_MAX) {
      exhausted = true;
      return false;
    }
    attempts += 1;
    const hit = firstViolation(ex, candidate, r);
    if (hit?.violation.invariant !== violation.invariant) return false;
    best = candidate.slice(0, hit.at + 1);
    bestViolation = hit.violation;
    rates = r;
    return true;
  };
  const without = (from: number, to: number): Step[] => [...best.slice(0, from), ...best.slice(to)];
  if (rates !== undefined && Object.keys(rates).length > 0) {
    const armed = armedFromRandom(ex, best, rates);
    if (armed !== undefined) tries(armed, undefined);
  }
  /** Phase 1: units in halves down to single units; again from the top after each success. */
  const dropUnits = (): boolean => {
    let any = false;
    for (let changed = true; changed && !exhausted;) {
      changed = false;
      const u = units(best);
      for (let size = Math.max(1, u.length >> 1); size >= 1 && !changed; size >>= 1)
        for (let k = u.length - size; k >= 0 && !changed; k -= size) {
          const from = u[k]?.[0] ?? 0;
          const to = u[k + size - 1]?.[1] ?? from;
          if (tries(without(from, to), rates)) changed = true;
        }
      any ||= changed;
    }
    return any;
  };
  /**
   * Phases 2 and 3: each step that `which` picks dropped alone, last to first. The last step is the
   * one that breaks the invariant, and the path before it breaks none, so it is never tried.
   */
  const dropEach = (which: (s: Step) => boolean): boolean => {
    let any = false;
    for (let i = best.length - 2; i >= 0 && !exhausted; i--) {
      const step = best[i];
      if (step !== undefined && which(step) && tries(without(i, i + 1), rates)) any = true;
      i = Math.min(i, best.length - 1);
    }
    return any;
  };
  const dropRates = (): boolean => {
    let any = false;
    for (const name of Object.keys(rates ?? {})) {
      const rest = Object.fromEntries(Object.entries(rates ?? {}).filter(([k]) => k !== name));
      if (tries(best, Object.keys(rest).length === 0 ? undefined : rest)) any = true;
    }
    return any;
  };
  /** Phase 4: consistent renames first (each from the top again after a success), then per step. */
  const simplify = (): boolean => {
    let any = false;
    for (let changed = true; changed && !exhausted;) {
      changed = false;
      for (const candidate of pathRenames(best))
        if (tries(candidate, rates)) {
          changed = any = true;
          break;
        }
    }
    for (let changed = true; changed && !exhausted;) {
      changed = false;
      for (const [i, step] of best.entries()) {
        for (const s of simpler(step))
          if (tries([...best.slice(0, i), s, ...best.slice(i + 1)], rates)) {
            changed = any = true;
            break;
          }
        if (changed) break;
      }
    }
    return any;
  };
  // `exhausted` is set inside `tries`: read it through a call, not a narrowed local.
  const spent = (): boolean => exhausted;
  for (let changed = true; changed && !spent();) {
    changed = dropUnits();
    changed = dropEach((s) => s.kind !== 'fault') || changed;
    changed = dropEach((s) => s.kind === 'fault') || changed;
    changed = dropRates() || changed;
    changed = simplify() || changed;
  }
  return { path: best, violation: bestViolation, randomFaults: rates, attempts, reproduced: true, exhausted };
}
