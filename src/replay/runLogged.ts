import type { HypercallEvent, HypercallRecorder } from '../pipeline/HypercallRecorder.js';
import { ControlPlane } from '../runtime/ControlPlane.js';
import type { Machines } from '../runtime/Machines.js';
import type { RecordSink } from '../runtime/RecordSink.js';
import { SinkRecorder } from '../runtime/SinkRecorder.js';
import type { RunReport } from '../runner/runScenario.js';
import { SimWorld, type SimWorldOptions } from '../runner/SimWorld.js';
import { stepMet, type StepOutcome } from '../runner/StepOutcome.js';
import type { Scenario } from '../scenario/Scenario.js';
import { PlaneDriver } from './PlaneDriver.js';
import { prefixWorldCodec } from './prefixWorldCodec.js';
import type { RunMeta } from './RunMeta.js';
import { ScenarioDriver } from './ScenarioDriver.js';
import { captureSnapshot } from './snapshotState.js';
import { SnapshottingSink } from './SnapshottingSink.js';
import type { WorldCodec } from './WorldCodec.js';

/** Records between snapshots when a run does not say (`run --snapshot-every`). */
export const DEFAULT_SNAPSHOT_EVERY = 1024;

export interface LoggedRunOptions {
  /** A snapshot record before the first intent after this many records; 0: none. Default 1024. */
  readonly snapshotEvery?: number;
  /** The codec of the snapshots' world part; the `replay-prefix` stand-in by default. */
  readonly worldCodec?: WorldCodec;
  /** Also give every hypercall to this recorder (counts for a summary). */
  readonly recorder?: HypercallRecorder;
  /** Driver stages to replace (a checker's broken driver); replay must be given the same. */
  readonly world?: Omit<SimWorldOptions, 'wrapHypervisor'>;
}

/** The run meta of a logged run: put it in the header (`runHeader`) so the log replays. */
function metaOf(vocabulary: RunMeta['vocabulary'], world: Scenario, options: LoggedRunOptions): RunMeta {
  return {
    vocabulary,
    world: { ...world, steps: [] },
    snapshotEvery: options.snapshotEvery ?? DEFAULT_SNAPSHOT_EVERY,
    worldCodec: (options.worldCodec ?? prefixWorldCodec()).name,
    ...(options.world?.randomFaults === undefined ? {} : { randomFaults: options.world.randomFaults }),
  };
}

function wire(
  world: Scenario,
  sink: RecordSink,
  options: LoggedRunOptions,
): { readonly snap: SnapshottingSink; readonly sim: SimWorld } {
  const snap = new SnapshottingSink(sink, options.snapshotEvery ?? DEFAULT_SNAPSHOT_EVERY);
  const toSink = new SinkRecorder(snap);
  const extra = options.recorder;
  const recorder: HypercallRecorder =
    extra === undefined
      ? toSink
      : {
          wantsBytes: true,
          record(event: HypercallEvent) {
            toSink.record(event);
            extra.record(event);
          },
        };
  return { snap, sim: new SimWorld(world, recorder, options.world) };
}

/**
 * The run meta of a scenario run logged with `runScenarioLogged` and these options.
 *
 * @example
 * LogWriter.create(path, runHeader(scenarioRunMeta(scenario), 'mshv-control run boot.json'));
 */
export function scenarioRunMeta(scenario: Scenario, options: LoggedRunOptions = {}): RunMeta {
  return metaOf('scenario', scenario, options);
}

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
  const { snap, sim } = wire(scenario, sink, options);
  const driver = new ScenarioDriver(sim, snap);
  const codec = options.worldCodec ?? prefixWorldCodec();
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

/**
 * The run meta of a ControlPlane session logged with `openLoggedPlane` and these options.
 *
 * @example
 * LogWriter.create(path, runHeader(planeRunMeta(world), 'demo'));
 */
export function planeRunMeta(world: Scenario, options: LoggedRunOptions = {}): RunMeta {
  return metaOf('control-plane', world, options);
}

/**
 * A ControlPlane over a simulated world built from `world` (a scenario's seed, hypervisor and host
 * memory; its steps are ignored) whose records, hypercalls included, go to `sink` with a snapshot
 * every `snapshotEvery` records: what the Host API and the demo log through, and replay re-runs.
 *
 * @example
 * const writer = LogWriter.create(path, runHeader(planeRunMeta(world), 'demo'));
 * const { plane } = openLoggedPlane(world, writer);
 * plane.createPartition('vm0', { ptFlags: 0n, ptIsolation: 0n });
 */
export function openLoggedPlane(
  world: Scenario,
  sink: RecordSink,
  options: LoggedRunOptions & { readonly machines?: Machines } = {},
): { readonly plane: ControlPlane; readonly world: SimWorld; readonly driver: PlaneDriver } {
  const { snap, sim } = wire(world, sink, options);
  const plane = new ControlPlane(sim, {
    sink: snap,
    ...(options.machines === undefined ? {} : { machines: options.machines }),
  });
  const driver = new PlaneDriver(plane, sim);
  const codec = options.worldCodec ?? prefixWorldCodec();
  snap.capture = (seq) => captureSnapshot(driver, codec, seq);
  return { plane, world: sim, driver };
}
