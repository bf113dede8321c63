import type { CheckModel } from './CheckModel.js';
import type { CheckVariant } from './CheckVariant.js';
import { buildCounterexample, type Counterexample, reproduce } from './Counterexample.js';
import { Coverage, type CoverageData } from './Coverage.js';
import {
  Explorer,
  type FoundViolation,
  type PathNode,
  ROOT,
  type UnitCounts,
  type WorkCounters,
} from './Explorer.js';
import type { Violation } from './invariants/Invariant.js';
import { checkStrategyFits } from './loadCheckModel.js';
import { LocalRunner } from './LocalRunner.js';
import type { Runner } from './Runner.js';
import { shrink } from './shrink.js';
import type { StateDigest } from './stateDigest.js';
import type { Step } from './Step.js';
import { VisitedBudgets } from './VisitedBudgets.js';
import { WorkerRunner } from './WorkerRunner.js';
import { describeJson } from '../scenario/parseNumber.js';
import { unknownOption } from '../scenario/unknownOption.js';

export type Strategy = 'bfs' | 'dfs' | 'random';

/** What the progress display shows. */
export interface CheckProgress {
  readonly strategy: Strategy;
  readonly states: number;
  readonly transitions: number;
  /** Deepest level reached (BFS level, DFS split level, walk index for random). */
  readonly depth: number;
  /** Work still queued: nodes of the BFS level, DFS tasks, walks. */
  readonly frontier: number;
  readonly violations: number;
  readonly elapsedMs: number;
}

export interface CheckOptions {
  readonly model: CheckModel;
  readonly strategy?: Strategy;
  /** Seed of the random walks; default the model world's seed. */
  readonly seed?: number;
  /** Worker threads; 1 (the default) explores in this thread. */
  readonly workers?: number;
  /** A planted variant (tests): in-process only. */
  readonly variant?: CheckVariant;
  readonly digest?: StateDigest;
  /** Milliseconds since some origin: the CLI passes the wall clock; the core never reads one. */
  readonly now?: () => number;
  /** Stop exploring (verdict `bounded`) once `now()` passes this many ms after the start. */
  readonly timeLimitMs?: number;
  readonly onProgress?: (p: CheckProgress) => void;
}

/**
 * - `clean`: the bounds were explored exhaustively (BFS, DFS) or every walk ran (random) without a
 *   violation;
 * - `bounded`: no violation, but the state budget or the time limit stopped exploration first;
 * - `violation`: an invariant broke; `counterexample` is the shrunk run;
 * - `internal-error`: exploration found a violation that a fully observed re-run of its path does
 *   not show, or that could not be shrunk into a counterexample: a fault of the checker, not a
 *   finding (`internalError` says which; `found` is the path as found).
 */
export type CheckVerdict = 'clean' | 'bounded' | 'violation' | 'internal-error';

export interface CheckResult {
  readonly verdict: CheckVerdict;
  readonly strategy: Strategy;
  readonly states: number;
  readonly transitions: number;
  readonly depth: number;
  readonly work: WorkCounters;
  readonly coverage: CoverageData;
  readonly elapsedMs: number;
  /** The violation as found, before shrinking. */
  readonly found?: FoundViolation;
  readonly counterexample?: Counterexample;
  /** The counterexample re-run the way replay runs it (world faults, intents, crash) reproduced it. */
  readonly reproduced?: boolean;
  readonly shrinkAttempts?: number;
  /** Shrinking spent its whole budget (`SHRINK_ATTEMPTS_MAX`): the counterexample may not be 1-minimal. */
  readonly shrinkExhausted?: boolean;
  /** With verdict `internal-error`: what went wrong, in one line. */
  readonly internalError?: string;
}

/** Nodes a BFS batch carries to a runner. */
const BATCH_NODES = 4;

interface Search {
  readonly violation: FoundViolation | undefined;
  readonly states: number;
  readonly transitions: number;
  readonly depth: number;
  readonly bounded: boolean;
}

/**
 * Coverage and work merged from units of work in their order, never past the first violating one:
 * what is in flight beside it depends on the worker count, so it is not counted.
 */
class Tally {
  readonly coverage = new Coverage();
  readonly work: WorkCounters = { steps: 0, worlds: 0 };

  add(u: UnitCounts): void {
    this.coverage.merge(u.coverage);
    this.work.steps += u.work.steps;
    this.work.worlds += u.work.worlds;
  }
}

class Clock {
  readonly #now: () => number;
  readonly #start: number;
  readonly #live: boolean;

  constructor(
    now: (() => number) | undefined,
    readonly limitMs: number | undefined,
  ) {
    this.#now = now ?? (() => 0);
    this.#live = now !== undefined;
    this.#start = this.#now();
  }

  get elapsed(): number {
    return this.#now() - this.#start;
  }

  get expired(): boolean {
    return this.limitMs !== undefined && this.elapsed >= this.limitMs;
  }

  /** Time left before the limit, when there is a limit and a clock that moves; else undefined. */
  get leftMs(): number | undefined {
    return this.limitMs === undefined || !this.live ? undefined : Math.max(0, this.limitMs - this.elapsed);
  }

  /** A clock was injected (one that is not, reads 0 forever: no limit ever expires). */
  get live(): boolean {
    return this.#live;
  }
}

/**
 * Run `fn` over `items` in order with at most `inFlight` calls pending, stop handing out new ones
 * once `stop()` is true (already started ones finish), and return the results by index (undefined
 * for those never started).
 */
async function inOrder<T, R>(
  items: readonly T[],
  inFlight: number,
  fn: (item: T, index: number) => Promise<R>,
  stop: () => boolean,
  onResult: (r: R, index: number) => void,
): Promise<(R | undefined)[]> {
  const out: (R | undefined)[] = new Array<R | undefined>(items.length).fill(undefined);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length && !stop()) {
      const i = next++;
      const r = await fn(items[i] as T, i);
      out[i] = r;
      onResult(r, i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, inFlight) }, lane));
  return out;
}

function chunk<T>(xs: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += size) out.push(xs.slice(i, i + size));
  return out;
}

/**
 * Breadth-first search with state hashing: level by level, children kept when their digest is new
 * (or comes back with more faults left than every earlier visit: `VisitedBudgets`), in expansion
 * order; the first violation in that order on the shallowest
 * level wins (a shortest counterexample). `maxDepth` stops early (the DFS prefix).
 */
async function bfs(
  runner: Runner,
  model: CheckModel,
  rootDigest: string,
  clock: Clock,
  tally: Tally,
  progress: (p: Omit<CheckProgress, 'strategy' | 'elapsedMs'>) => void,
  maxDepth = Infinity,
): Promise<Search & { readonly frontier: PathNode[] }> {
  const seen = new VisitedBudgets();
  seen.admit(rootDigest, model.bounds.steps, model.bounds.faults);
  let frontier: PathNode[] = [ROOT];
  let transitions = 0;
  let level = 0;
  let depth = 0;
  let bounded = false;
  while (frontier.length > 0 && level < maxDepth) {
    const batches = chunk(frontier, BATCH_NODES);
    let hit = false;
    let done = 0;
    let shown = transitions;
    const results = await inOrder(
      batches,
      runner.parallelism * 2,
      (b) => runner.expand(b),
      () => hit || clock.expired,
      (r) => {
        done += 1;
        for (const e of r) shown += e.transitions;
        hit ||= r.some((e) => e.violation !== undefined);
        progress({
          states: seen.size,
          transitions: shown,
          depth: level,
          frontier: (batches.length - done) * BATCH_NODES,
          violations: hit ? 1 : 0,
        });
      },
    );
    const next: PathNode[] = [];
    for (const r of results) {
      if (r === undefined) {
        bounded = true;
        continue;
      }
      for (const e of r) {
        transitions += e.transitions;
        tally.add(e);
        if (e.violation !== undefined)
          return {
            violation: e.violation,
            states: seen.size,
            transitions,
            depth: level + 1,
            bounded,
            frontier: [],
          };
        for (const c of e.children) {
          if (!seen.has(c.digest) && seen.size >= model.bounds.states) {
            bounded = true;
            continue;
          }
          // A state seen before is expanded again when it comes with more faults left (BFS reached
          // it first with at least as many steps left): VisitedBudgets.
          if (!seen.admit(c.digest, model.bounds.steps - c.depth, model.bounds.faults - c.faults)) continue;
          depth = Math.max(depth, c.depth);
          next.push({ path: c.path, depth: c.depth, faults: c.faults });
        }
      }
    }
    if (bounded)
      return { violation: undefined, states: seen.size, transitions, depth, bounded, frontier: [] };
    frontier = next;
    level += 1;
  }
  return { violation: undefined, states: seen.size, transitions, depth, bounded, frontier };
}

/**
 * Depth-bounded DFS, split for workers: a BFS prefix to `dfsSplitDepth` gives the tasks (the same
 * tasks for any worker count), each searched depth-first with its own visited set and an equal share
 * of the state budget; the first task in order with a violation wins.
 */
async function dfs(
  runner: Runner,
  model: CheckModel,
  rootDigest: string,
  clock: Clock,
  tally: Tally,
  progress: (p: Omit<CheckProgress, 'strategy' | 'elapsedMs'>) => void,
): Promise<Search> {
  const prefix = await bfs(runner, model, rootDigest, clock, tally, progress, model.dfsSplitDepth);
  if (prefix.violation !== undefined || prefix.bounded) return prefix;
  const tasks = prefix.frontier;
  const share = Math.max(1, Math.ceil(model.bounds.states / Math.max(1, tasks.length)));
  let shownStates = prefix.states;
  let shownTransitions = prefix.transitions;
  let hit = false;
  let done = 0;
  const results = await inOrder(
    tasks,
    runner.parallelism * 2,
    (t) => runner.dfs(t, share, clock.leftMs),
    () => hit || clock.expired,
    (r) => {
      done += 1;
      shownStates += r.states;
      shownTransitions += r.transitions;
      hit ||= r.violation !== undefined;
      progress({
        states: shownStates,
        transitions: shownTransitions,
        depth: model.dfsSplitDepth,
        frontier: tasks.length - done,
        violations: hit ? 1 : 0,
      });
    },
  );
  let states = prefix.states;
  let transitions = prefix.transitions;
  let bounded = false;
  let depth = prefix.depth;
  for (const r of results) {
    if (r === undefined) {
      bounded = true;
      continue;
    }
    states += r.states;
    transitions += r.transitions;
    bounded ||= r.bounded;
    depth = Math.max(depth, r.depth);
    tally.add(r);
    if (r.violation !== undefined)
      return { violation: r.violation, states, transitions, depth: intentDepth(r.violation.path), bounded };
  }
  return { violation: undefined, states, transitions, depth, bounded };
}

/** Seeded random walks, `random.walks` of them; the first walk in order with a violation wins. */
async function random(
  runner: Runner,
  model: CheckModel,
  seed: number,
  clock: Clock,
  tally: Tally,
  progress: (p: Omit<CheckProgress, 'strategy' | 'elapsedMs'>) => void,
): Promise<Search> {
  const walks = Array.from({ length: model.random.walks }, (_, i) => i);
  const shown = new Set<string>();
  let shownTransitions = 0;
  let hit = false;
  let done = 0;
  const results = await inOrder(
    walks,
    runner.parallelism * 2,
    (i) => runner.walk(seed, i),
    () => hit || clock.expired,
    (r) => {
      done += 1;
      shownTransitions += r.transitions;
      for (const d of r.digests) shown.add(d);
      hit ||= r.violation !== undefined;
      progress({
        states: shown.size,
        transitions: shownTransitions,
        depth: done,
        frontier: walks.length - done,
        violations: hit ? 1 : 0,
      });
    },
  );
  const seen = new Set<string>();
  let transitions = 0;
  let bounded = false;
  for (const r of results) {
    if (r === undefined) {
      bounded = true;
      continue;
    }
    transitions += r.transitions;
    for (const d of r.digests) seen.add(d);
    tally.add(r);
    if (r.violation !== undefined)
      return {
        violation: r.violation,
        states: seen.size,
        transitions,
        depth: intentDepth(r.violation.path),
        bounded,
      };
  }
  return { violation: undefined, states: seen.size, transitions, depth: model.bounds.steps, bounded };
}

/**
 * Check a model: explore it with the chosen strategy (in this thread, or in `workers` threads),
 * and on a violation re-run its path with every step observed (one that does not break the same
 * invariant there is an `internal-error`), shrink the path, build the counterexample (trace
 * included) and re-run it the way replay will. Deterministic for BFS and DFS whatever the worker
 * count: work is handed out and merged in a fixed order, and counts stop at the first unit of work
 * (a node, a task, a walk) that found a violation. Only the optional time limit reads a clock, and
 * only through `now`. A model with `crashPoints: "transitions"` runs under BFS or DFS (random
 * walks refuse it: a ScenarioError at `$.crashPoints`).
 *
 * @example
 * const result = await runCheck({ model: defaultModel(), strategy: 'bfs' });
 * result.verdict; // 'clean'
 */
export async function runCheck(options: CheckOptions): Promise<CheckResult> {
  checkCheckOptions(options);
  const model = options.model;
  const strategy = options.strategy ?? 'bfs';
  const workers = options.workers ?? 1;
  if (workers > 1 && options.variant !== undefined)
    throw new RangeError('a planted variant runs in-process only (workers: 1)');
  checkStrategyFits(model, strategy);
  const clock = new Clock(options.now, options.timeLimitMs);
  const local = new Explorer(model, options.variant, options.digest);
  const runner: Runner =
    workers > 1
      ? new WorkerRunner(model, workers)
      : new LocalRunner(model, options.variant, options.digest, options.now);
  const progress = (p: Omit<CheckProgress, 'strategy' | 'elapsedMs'>): void =>
    options.onProgress?.({ ...p, strategy, elapsedMs: clock.elapsed });
  const tally = new Tally();
  let search: Search;
  try {
    const rootDigest = local.digestOf(local.world());
    search =
      strategy === 'bfs'
        ? await bfs(runner, model, rootDigest, clock, tally, progress)
        : strategy === 'dfs'
          ? await dfs(runner, model, rootDigest, clock, tally, progress)
          : await random(runner, model, options.seed ?? model.world.seed, clock, tally, progress);
  } finally {
    await runner.close();
  }
  const base = {
    strategy,
    states: search.states,
    transitions: search.transitions,
    depth: search.depth,
    work: tally.work,
    coverage: tally.coverage.data(),
  };
  const found = search.violation;
  if (found === undefined)
    return { ...base, verdict: search.bounded ? 'bounded' : 'clean', elapsedMs: clock.elapsed };
  const internal = (message: string): CheckResult => ({
    ...base,
    verdict: 'internal-error',
    found,
    internalError: message,
    elapsedMs: clock.elapsed,
  });
  // Shrinking and the counterexample judge every step; exploration replayed the prefix unobserved.
  // A violation only the latter shows is the checker's fault (an invariant whose memory depends on
  // observation, a non-deterministic world), never a finding to hand out.
  const again = observedViolation(local, found);
  if (again?.invariant !== found.violation.invariant)
    return internal(
      `a violation did not reproduce: ${found.violation.invariant} after ${found.path.length} steps, but a fully observed re-run of the path ${again === undefined ? 'breaks no invariant' : `breaks ${again.invariant}`}`,
    );
  try {
    const small = shrink(local, found.path, found.violation, found.randomFaults);
    const counterexample = buildCounterexample(
      model.world,
      model.name,
      options.variant,
      small.path,
      small.randomFaults,
    );
    const replayed = reproduce(counterexample, options.variant);
    return {
      ...base,
      verdict: 'violation',
      found,
      counterexample,
      reproduced: replayed?.invariant === counterexample.invariant,
      shrinkAttempts: small.attempts,
      shrinkExhausted: small.exhausted,
      elapsedMs: clock.elapsed,
    };
  } catch (e) {
    return internal(
      `the ${found.violation.invariant} violation could not be made into a counterexample: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
}

/** The first violation of a found path run from the root with every step observed. */
function observedViolation(ex: Explorer, found: FoundViolation): Violation | undefined {
  const w = ex.world(found.randomFaults);
  for (const step of found.path) {
    const r = ex.judge(w, step);
    if (r.violation !== undefined) return r.violation;
  }
  return undefined;
}

/** The intents on a path (what `bounds.steps` counts and `depth` reports): faults and crashes are not. */
function intentDepth(path: readonly Step[]): number {
  return path.filter((s) => s.kind === 'intent').length;
}

/** The members `CheckOptions` has: anything else is refused (a misspelt option would be ignored). */
const CHECK_OPTIONS: readonly string[] = [
  'model',
  'strategy',
  'seed',
  'workers',
  'variant',
  'digest',
  'now',
  'timeLimitMs',
  'onProgress',
] satisfies readonly (keyof CheckOptions)[];

/**
 * Refuse options `runCheck` would otherwise misread, naming the option and the rule (a RangeError,
 * or a TypeError for an option that is not one): an unknown strategy ran as BFS, a negative or
 * fractional seed or time limit was taken as given.
 */
function checkCheckOptions(options: CheckOptions): void {
  const unknown = unknownOption('', options, CHECK_OPTIONS);
  if (unknown !== undefined) throw new TypeError(unknown);
  const { strategy, seed, workers, timeLimitMs } = options as unknown as Record<string, unknown>;
  if (strategy !== undefined && strategy !== 'bfs' && strategy !== 'dfs' && strategy !== 'random')
    throw new RangeError(`strategy: ${describeJson(strategy)} is not bfs, dfs or random`);
  if (
    seed !== undefined &&
    !(Number.isInteger(seed) && (seed as number) >= 0 && (seed as number) <= 0xffff_ffff)
  )
    throw new RangeError(`seed: ${describeJson(seed)} is not a u32`);
  if (workers !== undefined && !(Number.isInteger(workers) && (workers as number) >= 1))
    throw new RangeError(`workers: ${describeJson(workers)} is not a positive integer`);
  if (timeLimitMs !== undefined && !(typeof timeLimitMs === 'number' && timeLimitMs >= 0))
    throw new RangeError(
      `timeLimitMs: ${describeJson(timeLimitMs)} is not a non-negative number of milliseconds`,
    );
}
