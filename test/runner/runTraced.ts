import { runScenario } from '../../src/runner/runScenario.js';
import type { RunReport } from '../../src/runner/runScenario.js';
import { SimWorld } from '../../src/runner/SimWorld.js';
import { TraceRecorder } from '../../src/runner/TraceRecorder.js';
import type { Scenario } from '../../src/scenario/Scenario.js';

/**
 * Run a scenario on a fresh simulated world with a trace: its report, the world as the run left it,
 * and the trace's records parsed.
 *
 * @example
 * const { report, records } = runTraced(scenario);
 */
export function runTraced(s: Scenario): {
  readonly report: RunReport;
  readonly world: SimWorld;
  readonly records: Record<string, unknown>[];
} {
  const trace = new TraceRecorder();
  const world = new SimWorld(s, trace);
  const report = runScenario(s, world, trace);
  const records = trace.lines().map((l) => JSON.parse(l) as Record<string, unknown>);
  return { report, world, records };
}
