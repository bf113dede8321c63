import { ControlPlane, type PlaneParts } from '../runtime/ControlPlane.js';
import type { RecordSink } from '../runtime/RecordSink.js';
import type { SimWorld } from '../runner/SimWorld.js';
import type { Scenario } from '../scenario/Scenario.js';
import { PlaneDriver } from './PlaneDriver.js';
import { simWorldCodec } from './simWorldCodec.js';
import { captureSnapshot } from './restoreSnapshot.js';
import type { RunMeta } from './RunMeta.js';
import {
  LOGGED_RUN_OPTIONS,
  type LoggedRunOptions,
  loggedRunMeta,
  wireLoggedWorld,
} from './wireLoggedWorld.js';
import { unknownOption } from '../scenario/unknownOption.js';

/**
 * The run meta of a ControlPlane session logged with `openLoggedPlane` and these options.
 *
 * @example
 * LogWriter.create(path, runHeader(planeRunMeta(world), 'demo'));
 */
export function planeRunMeta(world: Scenario, options: LoggedRunOptions = {}): RunMeta {
  const unknown = unknownOption('options.', options, PLANE_RUN_OPTIONS);
  if (unknown !== undefined) throw new TypeError(unknown);
  return loggedRunMeta('control-plane', world, options);
}

/** What `openLoggedPlane` (and `planeRunMeta`, which takes the same object) accepts. */
const PLANE_RUN_OPTIONS: readonly string[] = [...LOGGED_RUN_OPTIONS, 'machines', 'memo', 'vmmHooks'];

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
  options: LoggedRunOptions & Pick<PlaneParts, 'machines' | 'memo' | 'vmmHooks'> = {},
): { readonly plane: ControlPlane; readonly world: SimWorld; readonly driver: PlaneDriver } {
  const unknown = unknownOption('options.', options, PLANE_RUN_OPTIONS);
  if (unknown !== undefined) throw new TypeError(unknown);
  const { snap, sim } = wireLoggedWorld(world, sink, options);
  const plane = new ControlPlane(sim, {
    sink: snap,
    ...(options.machines === undefined ? {} : { machines: options.machines }),
    ...(options.memo === undefined ? {} : { memo: options.memo }),
    ...(options.vmm === undefined ? {} : { vmm: options.vmm }),
    ...(options.vmmHooks === undefined ? {} : { vmmHooks: options.vmmHooks }),
  });
  const driver = new PlaneDriver(plane, sim);
  const codec = options.worldCodec ?? simWorldCodec();
  snap.capture = (seq) => captureSnapshot(driver, codec, seq);
  return { plane, world: sim, driver };
}
