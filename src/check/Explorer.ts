import { TransitionMemo } from '../../machines/TransitionMemo.js';
import { MemorySink } from '../runtime/RecordSink.js';
import { errorText } from './errorText.js';
import type { RandomFaultRates } from '../../adapters/simulated/faults/FaultPlan.js';
import type { CheckModel } from './CheckModel.js';
import type { CheckVariant } from './CheckVariant.js';
import { CheckWorld, type StepReport } from './CheckWorld.js';
import { Coverage, type CoverageData } from './Coverage.js';
import { crashApplies, enabledIntents } from './enabledIntents.js';
import type { Violation } from './invariants/Invariant.js';
import { controlPlaneDigest, type StateDigest } from './stateDigest.js';
import type { Step } from './Step.js';

/** Machine steps an explorer's memo keeps: every step of the default model's search fits. */
const EXPLORER_MEMO_STEPS = 1 << 16;

/** A state to expand: the path that reaches it from the root, its intents and the faults it armed. */
export interface PathNode {
  readonly path: readonly Step[];
  /** Intent steps on the path (what `bounds.steps` limits). */
  readonly depth: number;
  /** Fault steps on the path (what `bounds.faults` limits). */
  readonly faults: number;
}

/** A state found by expanding a node. */
export interface FoundChild extends PathNode {
  readonly digest: string;
}

/** A path that violated an invariant at its last step. */
export interface FoundViolation {
  readonly path: readonly Step[];
  readonly violation: Violation;
  /** Random faults the world ran with (random strategy only). */
  readonly randomFaults?: RandomFaultRates;
}

/** Work counters: steps executed in all (replays included) and worlds built. */
export interface WorkCounters {
  steps: number;
  worlds: number;
}

/**
 * What one unit of work (an expansion, a depth-first task, a walk) added to coverage and to the work
 * counters: the coordinator merges units in their order and stops after the first violating one, so
 * its counts do not depend on how many units were in flight.
 */
export interface UnitCounts {
  readonly coverage: CoverageData;
  readonly work: WorkCounters;
}

/** What expanding one node found. */
export interface Expansion {
  readonly children: FoundChild[];
  readonly violation: FoundViolation | undefined;
  /** Steps judged from the node (edges explored, crashes included). */
  readonly transitions: number;
  /** What the expansion added to coverage (its unit of work: `UnitCounts`). */
  readonly coverage: CoverageData;
  /** What the expansion added to the work counters. */
  readonly work: WorkCounters;
}

/** What judging crashes found: the first violation, if any, and how many steps were judged. */
export interface CrashJudgement {
  readonly violation: FoundViolation | undefined;
  readonly judged: number;
}

/** The root of every exploration. */
export const ROOT: PathNode = { path: [], depth: 0, faults: 0 };

const CRASH: Step = { kind: 'crash' };

/**
 * Runs paths on fresh worlds for one model and variant, and expands states: the part of every
 * strategy that touches the stack. A path runs from the root (re-execution is how a state is
 * restored: measured cheaper than a snapshot fork, DECISIONS.md); the steps being judged run
 * observed, the replayed prefix does not. A request the machines refuse leaves the world as it
 * was, so the next sibling reuses it; any other step makes the world dirty and the next sibling is
 * rebuilt from the root.
 *
 * Faults are paired with intents: a fault is armed right before an intent whose unfaulted run
 * issued the fault's call often enough to fire it (a fault that would not fire is not tried: it
 * would only make a state that differs by an armed, never-fired fault). The crash is judged once per
 * expanded state, last, on a world rebuilt with a log; then, within the fault budget, once more
 * after each fault whose call the unfaulted crash issued often enough (the kernel's release path and
 * `recover`'s teardown answering that status). With `crashPoints: "transitions"` it is judged after
 * every step that changed the world instead, whether or not the state it led to is new.
 *
 * @example
 * const ex = new Explorer(model);
 * const { children } = ex.expand(ROOT);
 */
export class Explorer {
  #coverage = new Coverage();
  readonly work: WorkCounters = { steps: 0, worlds: 0 };
  /** Every world's machine steps: a path re-run from the root is answered from here after its first run. */
  readonly memo = new TransitionMemo(EXPLORER_MEMO_STEPS);

  constructor(
    readonly model: CheckModel,
    readonly variant?: CheckVariant,
    readonly digest: StateDigest = controlPlaneDigest,
  ) {}

  /** Coverage of every world this explorer built (every unit's, once `unit` returns). */
  get coverage(): Coverage {
    return this.#coverage;
  }

  /**
   * Run one unit of work and return what it added to coverage and to the work counters, besides its
   * result (the explorer's own totals still count it).
   *
   * @example
   * const { result, coverage } = explorer.unit(() => dfsFrom(explorer, node, 1000));
   */
  unit<T>(fn: () => T): {
    readonly result: T;
    readonly coverage: CoverageData;
    readonly work: WorkCounters;
  } {
    const total = this.#coverage;
    const steps = this.work.steps;
    const worlds = this.work.worlds;
    this.#coverage = new Coverage();
    try {
      const result = fn();
      const coverage = this.#coverage.data();
      total.merge(coverage);
      return {
        result,
        coverage,
        work: { steps: this.work.steps - steps, worlds: this.work.worlds - worlds },
      };
    } finally {
      this.#coverage = total;
    }
  }

  /** A fresh world, unobserved; with `logged`, one that logs every record (a crash recovers from it). */
  world(randomFaults?: RandomFaultRates, logged = false): CheckWorld {
    this.work.worlds += 1;
    return new CheckWorld({
      world: this.model.world,
      variant: this.variant,
      randomFaults,
      coverage: this.coverage,
      memo: this.memo,
      ...(logged ? { log: new MemorySink() } : {}),
    });
  }

  /** A fresh world that has run `path` unobserved. Throws if the path does not replay (non-determinism). */
  replay(path: readonly Step[], randomFaults?: RandomFaultRates, logged = false): CheckWorld {
    const w = this.world(randomFaults, logged);
    for (const [i, step] of path.entries()) {
      const r = w.run(step);
      this.work.steps += 1;
      if (r.error !== undefined) throw new Error(`replay diverged at step ${i + 1}: ${errorText(r.error)}`);
    }
    return w;
  }

  /** The digest of the world's state. */
  digestOf(world: CheckWorld): string {
    return this.digest(world, this.model.symmetry);
  }

  /** Run one step observed; count it. */
  judge(world: CheckWorld, step: Step): StepReport {
    world.observing = true;
    try {
      this.work.steps += 1;
      return world.run(step);
    } finally {
      world.observing = false;
    }
  }

  /**
   * Every state one intent (or one fault and the intent that fires it) away from `node`, in a fixed
   * order, and the first judged step in that order that violates an invariant; with what the
   * expansion added to coverage and work.
   */
  expand(node: PathNode): Expansion {
    const { result, coverage, work } = this.unit(() => this.#expand(node));
    return { ...result, coverage, work };
  }

  #expand(node: PathNode): Omit<Expansion, keyof UnitCounts> {
    const children: FoundChild[] = [];
    let transitions = 0;
    const fired: {
      readonly step: Extract<Step, { kind: 'intent' }>;
      readonly calls: ReadonlyMap<string, number>;
      readonly operations: number;
    }[] = [];
    let world: CheckWorld | undefined = this.replay(node.path);
    const fresh = (): CheckWorld => {
      const w = world ?? this.replay(node.path);
      world = undefined;
      return w;
    };
    const found = (path: Step[], v: Violation): Omit<Expansion, keyof UnitCounts> => ({
      children,
      violation: { path, violation: v },
      transitions,
    });
    const keep = (w: CheckWorld, path: Step[], faults: number): void => {
      children.push({ path, depth: node.depth + 1, faults, digest: this.digestOf(w) });
    };
    const judged = (j: CrashJudgement): Omit<Expansion, keyof UnitCounts> | undefined => {
      transitions += j.judged;
      return j.violation === undefined ? undefined : { children, violation: j.violation, transitions };
    };
    // Crash points at transitions: the VMM also dies after each step that changed the world, a step
    // into a state already seen too, on a world that logged the step's path.
    const everyTransition = this.model.crash && this.model.crashPoints === 'transitions';
    const crashAfterStep = (
      w: CheckWorld,
      path: Step[],
      faults: number,
    ): Omit<Expansion, keyof UnitCounts> | undefined =>
      everyTransition && crashApplies(this.model, w)
        ? judged(this.crashOn(this.replay(path, undefined, true), path, faults, true))
        : undefined;
    const probe = fresh();
    const canCrash = crashApplies(this.model, probe);
    const intents = node.depth < this.model.bounds.steps ? enabledIntents(this.model, probe) : [];
    world = probe;
    for (const step of intents) {
      const w = fresh();
      transitions += 1;
      const r = this.judge(w, step);
      const path = [...node.path, step];
      if (r.violation !== undefined) return found(path, r.violation);
      if (r.unchanged) {
        world = w;
        continue;
      }
      if (step.kind === 'intent')
        fired.push({ step, calls: new Map(w.scratch.calls), operations: r.operations });
      keep(w, path, node.faults);
      const crashed = crashAfterStep(w, path, node.faults);
      if (crashed !== undefined) return crashed;
    }
    if (node.faults < this.model.bounds.faults)
      for (const { step, calls } of fired)
        for (const f of this.model.faults) {
          if ((calls.get(f.call) ?? 0) <= f.skip) continue;
          const fault: Step = { kind: 'fault', ...f };
          const w = fresh();
          transitions += 1;
          const path = [...node.path, fault, step];
          const armed = this.judge(w, fault);
          if (armed.violation !== undefined) return found([...node.path, fault], armed.violation);
          const r = this.judge(w, step);
          if (r.violation !== undefined) return found(path, r.violation);
          keep(w, path, node.faults + 1);
          const crashed = crashAfterStep(w, path, node.faults + 1);
          if (crashed !== undefined) return crashed;
        }
    // A crash is judged on a world that logged its path: recover reads that log, no second re-run.
    // With crash points at transitions, a node's own crash was judged when the step into it ran.
    if (canCrash && (!everyTransition || node.path.length === 0)) {
      const crashed = judged(
        this.crashOn(this.replay(node.path, undefined, true), node.path, node.faults, true),
      );
      if (crashed !== undefined) return crashed;
    }
    return (
      judged(this.crashesInside(node.path, fired, true)) ?? { children, violation: undefined, transitions }
    );
  }

  /**
   * The VMM dies on `crashed`, which has run `path` (with `faults` faults armed on it); then, within
   * the fault budget, once more after each fault whose call that crash issued (`crashFaults`), each on
   * a world rebuilt from the root: with `logged`, one that logged its path, so `recover` reads that
   * log instead of re-running it.
   */
  crashOn(crashed: CheckWorld, path: readonly Step[], faults: number, logged: boolean): CrashJudgement {
    let judged = 1;
    const c = this.judge(crashed, CRASH);
    if (c.violation !== undefined)
      return { violation: { path: [...path, CRASH], violation: c.violation }, judged };
    if (faults < this.model.bounds.faults)
      for (const fault of this.crashFaults(crashed)) {
        const w = this.replay(path, undefined, logged);
        judged += 1;
        const armed = this.judge(w, fault);
        if (armed.violation !== undefined)
          return { violation: { path: [...path, fault], violation: armed.violation }, judged };
        const r = this.judge(w, CRASH);
        if (r.violation !== undefined)
          return { violation: { path: [...path, fault, CRASH], violation: r.violation }, judged };
      }
    return { violation: undefined, judged };
  }

  /**
   * With the model's `crashInside`: the VMM dies inside each of `fired`, the intents that changed the
   * world from `path`, after each of their operations (the kernel done with it, its result
   * unlogged), each on a world rebuilt from the root (`logged` as for `crashOn`). Nothing otherwise.
   */
  crashesInside(
    path: readonly Step[],
    fired: readonly { readonly step: Step; readonly operations: number }[],
    logged: boolean,
  ): CrashJudgement {
    let judged = 0;
    if (this.model.crashInside !== true || !this.model.crash) return { violation: undefined, judged };
    for (const { step, operations } of fired) {
      if (step.kind !== 'intent') continue;
      for (let k = 1; k <= operations; k++) {
        const intent = { name: step.name, args: step.args };
        const crash: Step = { kind: 'crash', inside: { intent, afterOperations: k } };
        judged += 1;
        const c = this.judge(this.replay(path, undefined, logged), crash);
        if (c.violation !== undefined)
          return { violation: { path: [...path, crash], violation: c.violation }, judged };
      }
    }
    return { violation: undefined, judged };
  }

  /**
   * The fault steps worth arming right before a crash: those whose call the unfaulted crash (judged
   * on `crashed`: the kernel's release path) issued more than `skip` times, so the fault fires at
   * teardown, in the dead process's release and in `recover`'s teardown alike.
   */
  crashFaults(crashed: CheckWorld): Step[] {
    const out: Step[] = [];
    for (const f of this.model.faults)
      if ((crashed.scratch.calls.get(f.call) ?? 0) > f.skip) out.push({ kind: 'fault', ...f });
    return out;
  }
}
