import type { Scenario } from '../scenario/Scenario.js';
import type { OperationObserver } from './OperationObserver.js';
import type { RunWorld } from './RunWorld.js';
import { ScenarioStepper } from './ScenarioStepper.js';
import { type StepOutcome, stepMet } from './StepOutcome.js';
import type { TraceRecorder } from './TraceRecorder.js';

/** What a run stopped with. */
export interface RunReport {
  readonly outcomes: readonly StepOutcome[];
  /** The first step whose result differed from its `expect`; the run stopped there. */
  readonly failed: StepOutcome | undefined;
}

/**
 * Where a run is between steps, for snapshots: the next step's index and the fds the scenario's
 * names stand for, each list in the order the names were bound (closing a partition closes its VP
 * fds in that order), and the operations counted so far (the log's operation ids continue from it).
 */
export interface RunCursor {
  readonly next: number;
  readonly partitions: readonly (readonly [string, number])[];
  readonly vps: readonly (readonly [string, number])[];
  readonly eventfds: readonly (readonly [number, number])[];
  readonly operations?: number;
}

/**
 * Runs a scenario's steps one at a time against a world's device (each step by `ScenarioStepper`),
 * announcing every ioctl to the trace (when given) and every operation to the observer (the event
 * log). A run can stop between any two steps (`cursor()`) and a new runner continue from there over
 * a restored world.
 *
 * @example
 * const runner = new ScenarioRunner(scenario, world, trace);
 * runner.step(); // the first step's outcome
 * runner.runToEnd().failed; // undefined when every expectation held
 */
export class ScenarioRunner {
  readonly #stepper: ScenarioStepper;
  #next = 0;

  constructor(
    readonly scenario: Scenario,
    readonly world: RunWorld,
    readonly trace?: TraceRecorder,
    from?: RunCursor,
    observer?: OperationObserver,
  ) {
    if (from !== undefined) {
      if (!Number.isSafeInteger(from.next) || from.next < 0 || from.next > scenario.steps.length)
        throw new RangeError(
          `ScenarioRunner: next step ${from.next} is not in [0, ${scenario.steps.length}]`,
        );
      this.#next = from.next;
    }
    this.#stepper = new ScenarioStepper(
      world,
      { trace, observer },
      from === undefined
        ? undefined
        : {
            partitions: from.partitions,
            vps: from.vps,
            eventfds: from.eventfds,
            operations: from.operations ?? 0,
          },
    );
  }

  /** Index of the next step to run (the step count when all ran). */
  get next(): number {
    return this.#next;
  }

  /** True when every step ran. */
  get done(): boolean {
    return this.#next >= this.scenario.steps.length;
  }

  /**
   * Run the next step and return what it did; throws when every step ran already.
   *
   * @example
   * while (!runner.done) runner.step();
   */
  step(): StepOutcome {
    const step = this.scenario.steps[this.#next];
    if (step === undefined) throw new RangeError(`ScenarioRunner: no step ${this.#next}`);
    const o = this.#stepper.run(this.#next, step);
    this.#next += 1;
    return o;
  }

  /**
   * Run the remaining steps, stopping at the first whose result differs from its `expect`.
   *
   * @example
   * runner.runToEnd().failed; // undefined when every expectation held
   */
  runToEnd(): RunReport {
    const outcomes: StepOutcome[] = [];
    while (!this.done) {
      const o = this.step();
      outcomes.push(o);
      if (!stepMet(o)) return { outcomes, failed: o };
    }
    return { outcomes, failed: undefined };
  }

  /**
   * Where the run is (copies).
   *
   * @example
   * new ScenarioRunner(scenario, restoredWorld, trace, runner.cursor()); // continues the run
   */
  cursor(): RunCursor {
    const s = this.#stepper.saveState();
    return {
      next: this.#next,
      partitions: [...s.partitions],
      vps: [...s.vps],
      eventfds: [...s.eventfds],
      operations: s.operations,
    };
  }
}
