import type { JsonObject, JsonValue } from '../log/JsonValue.js';
import { ControlPlane, type PlaneParts } from '../runtime/ControlPlane.js';
import type { RecordSink } from '../runtime/RecordSink.js';
import type { IntentDriver } from './IntentDriver.js';
import { PlaneDriver } from './PlaneDriver.js';
import type { Vocabulary } from './RunMeta.js';
import { readStepperState, ScenarioDriver } from './ScenarioDriver.js';
import type { WorldBuild, WorldCodec } from './WorldCodec.js';

/** The format tag of a snapshot record's state. */
export const SNAPSHOT_FORMAT = 'mshv-control-snapshot';
/** Its version. */
export const SNAPSHOT_VERSION = 1;

/**
 * A snapshot record's state: the runtime's own state (the ControlPlane's `saveState`, with every
 * machine's persisted xstate snapshot, or the scenario runner's fd names) and the world's state as
 * the named WorldCodec wrote it (opaque here).
 *
 * @example
 * captureSnapshot(driver, codec, 120); // { format: 'mshv-control-snapshot', version: 1, vocabulary, runtime, world: { codec, state } }
 */
export function captureSnapshot(driver: IntentDriver, codec: WorldCodec, seq: number): JsonObject {
  return {
    format: SNAPSHOT_FORMAT,
    version: SNAPSHOT_VERSION,
    vocabulary: driver.vocabulary,
    runtime: driver.saveState(),
    world: { codec: codec.name, state: codec.save(driver.world, { seq }) },
  };
}

/** What a restore needs besides the snapshot: the log's vocabulary, the codecs, and the wiring. */
export interface RestoreContext {
  readonly vocabulary: Vocabulary;
  /** World codecs by name; the snapshot names the one that wrote it. */
  readonly codecs: ReadonlyMap<string, WorldCodec>;
  readonly build: WorldBuild;
  /** Where the restored runtime writes its records. */
  readonly sink: RecordSink;
  /** The machine definitions and step table the restored plane steps (shipped, fresh by default). */
  readonly parts?: PlaneParts;
}

/**
 * The one restore path: from a snapshot record's state, the world (through the codec it names) and
 * the runtime on it (ControlPlane.restore with the machines' persisted snapshots, or the scenario
 * runner from its fd names), ready to run the rest of the log. An error value names what is wrong.
 *
 * @example
 * const r = restoreSnapshot(record.state, { vocabulary, codecs, build, sink });
 * if (r.ok) r.value.apply(nextIntent);
 */
export function restoreSnapshot(
  state: JsonValue,
  ctx: RestoreContext,
): { readonly ok: true; readonly value: IntentDriver } | { readonly ok: false; readonly error: string } {
  const bad = (why: string) => ({ ok: false as const, error: `snapshot ${why}` });
  if (state === null || typeof state !== 'object' || Array.isArray(state))
    return bad('state: expected an object');
  const s = state as JsonObject;
  if (s.format !== SNAPSHOT_FORMAT) return bad(`format: expected '${SNAPSHOT_FORMAT}'`);
  if (s.version !== SNAPSHOT_VERSION)
    return bad(
      `version: ${JSON.stringify(s.version ?? null)} is not supported (this build reads ${SNAPSHOT_VERSION})`,
    );
  if (s.vocabulary !== ctx.vocabulary)
    return bad(
      `vocabulary: ${JSON.stringify(s.vocabulary ?? null)} differs from the log's '${ctx.vocabulary}'`,
    );
  const w = s.world;
  if (w === null || typeof w !== 'object' || Array.isArray(w)) return bad('world: expected { codec, state }');
  const { codec: name, state: worldState } = w as JsonObject;
  const codec = typeof name === 'string' ? ctx.codecs.get(name) : undefined;
  if (codec === undefined)
    return bad(
      `world.codec: ${JSON.stringify(name ?? null)} is not a codec this replay has (${[...ctx.codecs.keys()].join(', ')})`,
    );
  if (s.runtime === undefined) return bad('runtime: missing');
  // Check the runtime state before the world is built (a world restore may re-run a long prefix).
  const stepper = ctx.vocabulary === 'scenario' ? readStepperState(s.runtime) : undefined;
  if (stepper?.ok === false) return bad(stepper.error);
  const world = codec.restore(worldState ?? null, ctx.build);
  if (!world.ok) return bad(`world: ${world.error}`);
  if (stepper !== undefined)
    return { ok: true, value: new ScenarioDriver(world.value, ctx.sink, stepper.value) };
  const plane = ControlPlane.restore(world.value, s.runtime, {
    sink: ctx.sink,
    ...ctx.parts,
  });
  if (!plane.ok) return bad(`runtime${plane.error.slice(1)}`);
  return { ok: true, value: new PlaneDriver(plane.value, world.value) };
}
