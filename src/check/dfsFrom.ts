import type { CheckWorld } from './CheckWorld.js';
import { crashApplies, enabledIntents } from './enabledIntents.js';
import type { CrashJudgement, Explorer, FoundViolation, PathNode, UnitCounts } from './Explorer.js';
import type { Step } from './Step.js';
import { VisitedBudgets } from './VisitedBudgets.js';

/** What one depth-first task found (with what it added to coverage and work). */
export interface DfsOutcome extends UnitCounts {
  readonly violation: FoundViolation | undefined;
  /** Distinct states visited (this task's own visited set). */
  readonly states: number;
  readonly transitions: number;
  /** The budget of states or of time ran out before the subtree was done. */
  readonly bounded: boolean;
  /** The most intents on any path this task expanded (its start node's included). */
  readonly depth: number;
}

/**
 * Depth-first search of the subtree under `start`, to `bounds.steps` intents, with its own visited
 * set (`VisitedBudgets`: a state is searched again only when it is reached with more steps or more
 * faults left than every earlier visit had). The world follows the path: the first changed child continues on its
 * parent's world, and only later siblings are rebuilt from the root. Violations are reported in DFS
 * order; a task's result depends only on its start node, never on other tasks, so the verdict of a
 * split search is the same for any number of workers.
 *
 * `expired` is asked before each state is expanded: once it is true the task stops there (bounded),
 * so a time limit holds inside a task, not only between tasks. After the crash of a state, each fault
 * whose call that crash issued is armed before a second crash, as `Explorer.expand` does. With
 * `crashPoints: "transitions"` the VMM also dies after a step into a state this task already
 * searched (a state searched now is crashed in its own visit), so every changing step is a crash point.
 * With `crashInside` it also dies inside each intent that changed the world, after each of its
 * operations, as `Explorer.expand` does.
 *
 * @example
 * const { violation, states } = dfsFrom(explorer, ROOT, 100_000);
 */
export function dfsFrom(
  ex: Explorer,
  start: PathNode,
  statesMax: number,
  expired: () => boolean = () => false,
): DfsOutcome {
  const { result, coverage, work } = ex.unit(() => search(ex, start, statesMax, expired));
  return { ...result, coverage, work };
}

function search(
  ex: Explorer,
  start: PathNode,
  statesMax: number,
  expired: () => boolean,
): Omit<DfsOutcome, keyof UnitCounts> {
  const visited = new VisitedBudgets();
  const bound = ex.model.bounds.steps;
  let transitions = 0;
  let bounded = false;
  let depth = start.depth;
  const everyTransition = ex.model.crash && ex.model.crashPoints === 'transitions';

  const visit = (node: PathNode, first: CheckWorld | undefined): FoundViolation | undefined => {
    if (expired()) {
      bounded = true;
      return undefined;
    }
    depth = Math.max(depth, node.depth);
    let world = first;
    const fresh = (): CheckWorld => {
      const w = world ?? ex.replay(node.path);
      world = undefined;
      return w;
    };
    const fired: {
      readonly step: Step;
      readonly calls: ReadonlyMap<string, number>;
      readonly operations: number;
    }[] = [];
    /** Judge a child's step result; recurse into a new child with its world. */
    const child = (w: CheckWorld, path: Step[], faults: number): FoundViolation | undefined => {
      const digest = ex.digestOf(w);
      if (!visited.has(digest) && visited.size >= statesMax) {
        bounded = true;
        return undefined;
      }
      if (!visited.admit(digest, bound - (node.depth + 1), ex.model.bounds.faults - faults))
        // A state already searched: with crash points at transitions, the VMM still dies here.
        return everyTransition && crashApplies(ex.model, w)
          ? judged(ex.crashOn(w, path, faults, false))
          : undefined;
      return visit({ path, depth: node.depth + 1, faults }, w);
    };
    const probe = fresh();
    const canCrash = crashApplies(ex.model, probe);
    world = probe;
    if (node.depth < bound) {
      const intents = enabledIntents(ex.model, probe);
      for (const step of intents) {
        const w = fresh();
        transitions += 1;
        const r = ex.judge(w, step);
        const path = [...node.path, step];
        if (r.violation !== undefined) return { path, violation: r.violation };
        if (r.unchanged) {
          world = w;
          continue;
        }
        fired.push({ step, calls: new Map(w.scratch.calls), operations: r.operations });
        const v = child(w, path, node.faults);
        if (v !== undefined) return v;
      }
      if (node.faults < ex.model.bounds.faults)
        for (const { step, calls } of fired)
          for (const f of ex.model.faults) {
            if ((calls.get(f.call) ?? 0) <= f.skip) continue;
            const fault: Step = { kind: 'fault', ...f };
            const w = fresh();
            transitions += 1;
            const armed = ex.judge(w, fault);
            if (armed.violation !== undefined)
              return { path: [...node.path, fault], violation: armed.violation };
            const path = [...node.path, fault, step];
            const r = ex.judge(w, step);
            if (r.violation !== undefined) return { path, violation: r.violation };
            const v = child(w, path, node.faults + 1);
            if (v !== undefined) return v;
          }
    }
    const crashed = canCrash ? judged(ex.crashOn(fresh(), node.path, node.faults, false)) : undefined;
    return crashed ?? judged(ex.crashesInside(node.path, fired, false));
  };

  const judged = (j: CrashJudgement): FoundViolation | undefined => {
    transitions += j.judged;
    return j.violation;
  };

  const violation = visit(start, undefined);
  return { violation, states: visited.size, transitions, bounded, depth };
}
