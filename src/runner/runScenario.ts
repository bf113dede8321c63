import type { Scenario } from '../scenario/Scenario.js';
import type { OperationObserver } from './OperationObserver.js';
import type { RunWorld } from './RunWorld.js';
import { type RunReport, ScenarioRunner } from './ScenarioRunner.js';
import type { TraceRecorder } from './TraceRecorder.js';

export type { RunReport } from './ScenarioRunner.js';

/**
 * Run a scenario's steps in order against a world's device, stopping at the first step whose result
 * differs from its `expect`. Every ioctl is announced to the trace (when given) before it runs and
 * closed with its return value after; every operation (ioctls and close(2)) to the observer (the
 * event log) when given.
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
  return new ScenarioRunner(scenario, world, trace, undefined, observer).runToEnd();
}
