import type { Scenario } from '../scenario/Scenario.js';
import type { OperationObserver } from './OperationObserver.js';
import type { RunWorld } from './RunWorld.js';
import { ScenarioStepper } from './ScenarioStepper.js';
import { type StepOutcome, stepMet } from './StepOutcome.js';
import type { TraceRecorder } from './TraceRecorder.js';

export interface RunReport {
  readonly outcomes: readonly StepOutcome[];
  /** The first step whose result differed from its `expect`; the run stopped there. */
  readonly failed: StepOutcome | undefined;
}

/**
 * Run a scenario's steps in order against a world's device, stopping at the first step whose result
 * differs from its `expect`. Every ioctl is announced to the trace (when given) before it runs and
 * closed with its return value after; the observer (when given) sees every step and every operation,
 * close(2) included (the event log).
 *
 * @example
 * const report = runScenario(scenario, world, trace);
 * report.failed; // undefined when every expectation held
 */
export function runScenario(
  scenario: Scenario,
  world: RunWorld,
  trace?: TraceRecorder,
  observer?: OperationObserver,
): RunReport {
  const stepper = new ScenarioStepper(world, { trace, observer });
  const outcomes: StepOutcome[] = [];
  for (const [index, step] of scenario.steps.entries()) {
    const o = stepper.run(index, step);
    outcomes.push(o);
    if (!stepMet(o)) return { outcomes, failed: o };
  }
  return { outcomes, failed: undefined };
}
