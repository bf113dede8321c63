import type { VmmConfig } from '../runtime/VmmConfig.js';
import type { HypercallEvent, HypercallRecorder } from '../pipeline/HypercallRecorder.js';
import type { RecordSink } from '../runtime/RecordSink.js';
import { SinkRecorder } from '../runtime/SinkRecorder.js';
import { SimWorld, type SimWorldOptions } from '../runner/SimWorld.js';
import type { Scenario } from '../scenario/Scenario.js';
import { simWorldCodec } from './simWorldCodec.js';
import type { RunMeta } from './RunMeta.js';
import { SnapshottingSink } from './SnapshottingSink.js';
import type { WorldCodec } from './WorldCodec.js';

/** Records between snapshots when a run does not say (`run --snapshot-every`). */
export const DEFAULT_SNAPSHOT_EVERY = 1024;

export interface LoggedRunOptions {
  /** A snapshot record before the first intent after this many records; 0: none. Default 1024. */
  readonly snapshotEvery?: number;
  /** The codec of the snapshots' world part; `simWorldCodec` (the whole simulated world) by default. */
  readonly worldCodec?: WorldCodec;
  /** Also give every hypercall to this recorder (counts for a summary). */
  readonly recorder?: HypercallRecorder;
  /** Driver stages to replace (a checker's broken driver); replay must be given the same. */
  readonly world?: Omit<SimWorldOptions, 'wrapHypervisor'>;
  /** How a ControlPlane's VMM uses the device (`VmmConfig`); recorded in the run meta when set. */
  readonly vmm?: VmmConfig;
}

/** The members `LoggedRunOptions` has: anything else is refused (a misspelt option would be ignored). */
export const LOGGED_RUN_OPTIONS: readonly string[] = [
  'snapshotEvery',
  'worldCodec',
  'recorder',
  'world',
  'vmm',
] satisfies readonly (keyof LoggedRunOptions)[];

/**
 * The run meta of a logged run (put it in the header with `runHeader` so the log replays).
 *
 * @example
 * loggedRunMeta('scenario', scenario, { snapshotEvery: 64 }).worldCodec; // 'sim-world-v1'
 */
export function loggedRunMeta(
  vocabulary: RunMeta['vocabulary'],
  world: Scenario,
  options: LoggedRunOptions,
): RunMeta {
  return {
    vocabulary,
    world: { ...world, steps: [] },
    snapshotEvery: options.snapshotEvery ?? DEFAULT_SNAPSHOT_EVERY,
    worldCodec: (options.worldCodec ?? simWorldCodec()).name,
    ...(options.world?.randomFaults === undefined ? {} : { randomFaults: options.world.randomFaults }),
    ...(options.world?.hostRamBytes === undefined ? {} : { hostRamBytes: options.world.hostRamBytes }),
    ...(options.vmm?.mapVpRegisterPages === true ? { vmm: options.vmm } : {}),
  };
}

/**
 * The logged world of a run: a simulated world whose hypercalls, like the runtime's records, go
 * through one SnapshottingSink over `sink` (so a snapshot's seq counts every record), plus the
 * optional extra recorder.
 *
 * @example
 * const { snap, sim } = wireLoggedWorld(world, writer, { snapshotEvery: 64 });
 */
export function wireLoggedWorld(
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
