import type { RecordSink } from '../runtime/RecordSink.js';
import type { RunReport } from '../runner/runScenario.js';
import type { SimWorld } from '../runner/SimWorld.js';
import { stepMet, type StepOutcome } from '../runner/StepOutcome.js';
import type { Scenario } from '../scenario/Scenario.js';
import { simWorldCodec } from './simWorldCodec.js';
import { captureSnapshot } from './restoreSnapshot.js';
import type { RunMeta } from './RunMeta.js';
import { ScenarioDriver } from './ScenarioDriver.js';
import {
  LOGGED_RUN_OPTIONS,
  type LoggedRunOptions,
  loggedRunMeta,
  wireLoggedWorld,
} from './wireLoggedWorld.js';
import { unknownOption } from '../scenario/unknownOption.js';

/**
 * The run meta of a scenario run logged with `runScenarioLogged` and these options.
 *
 * @example
 * LogWriter.create(path, runHeader(scenarioRunMeta(scenario), 'mshv-control run boot.json'));
 */
export function scenarioRunMeta(scenario: Scenario, options: LoggedRunOptions = {}): RunMeta {
  const unknown = unknownOption('options.', options, SCENARIO_RUN_OPTIONS);
  if (unknown !== undefined) throw new TypeError(unknown);
  return loggedRunMeta('scenario', scenario, options);
}

/** What `runScenarioLogged` (and `scenarioRunMeta`, which takes the same object) accepts. */
const SCENARIO_RUN_OPTIONS: readonly string[] = [...LOGGED_RUN_OPTIONS, 'onWorld'];

/**
 * Run a scenario on the simulated stack writing its event log to `sink` (a LogWriter whose header
 * holds `scenarioRunMeta`): one `step` intent per step, each operation with its hypercalls and
 * result (committed at the operation's end), a snapshot every `snapshotEvery` records. Stops at the
 * first step that misses its expect, like `runScenario`.
 *
 * @example
 * const writer = LogWriter.create(path, runHeader(scenarioRunMeta(scenario), 'example'));
 * const { report } = runScenarioLogged(scenario, writer);
 * writer.close();
 */
export function runScenarioLogged(
  scenario: Scenario,
  sink: RecordSink,
  options: LoggedRunOptions & { readonly onWorld?: (world: SimWorld) => void } = {},
): { readonly report: RunReport; readonly world: SimWorld; readonly driver: ScenarioDriver } {
  const unknown = unknownOption('options.', options, SCENARIO_RUN_OPTIONS);
  if (unknown !== undefined) throw new TypeError(unknown);
  const { snap, sim } = wireLoggedWorld(scenario, sink, options);
  const driver = new ScenarioDriver(sim, snap);
  const codec = options.worldCodec ?? simWorldCodec();
  snap.capture = (seq) => captureSnapshot(driver, codec, seq);
  options.onWorld?.(sim);
  const outcomes: StepOutcome[] = [];
  for (const [index, step] of scenario.steps.entries()) {
    const o = driver.stepper.run(index, step);
    outcomes.push(o);
    if (!stepMet(o)) return { report: { outcomes, failed: o }, world: sim, driver };
  }
  return { report: { outcomes, failed: undefined }, world: sim, driver };
}
