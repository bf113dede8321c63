import { ScenarioError } from '../../src/scenario/ScenarioError.js';

/** The ScenarioError `f` throws; any other throw is rethrown, and no throw fails the test. */
export function scenarioErrorOf(f: () => unknown): ScenarioError {
  try {
    f();
  } catch (e) {
    if (e instanceof ScenarioError) return e;
    throw e;
  }
  throw new Error('expected a ScenarioError, nothing was thrown');
}
