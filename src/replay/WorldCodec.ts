import type { JsonValue } from '../log/JsonValue.js';
import type { HypercallRecorder } from '../pipeline/HypercallRecorder.js';
import type { SimWorld, SimWorldOptions } from '../runner/SimWorld.js';
import type { Scenario } from '../scenario/Scenario.js';

/** What a codec needs to build a world: the run's world config, and how the replay wires it. */
export interface WorldBuild {
  /** The world from the log's header (a scenario without steps). */
  readonly world: Scenario;
  /** The hypercall recorder the driver reports to. */
  readonly recorder: HypercallRecorder;
  /** Options the world must be built with (the replay's recorded hypervisor, planted driver stages). */
  readonly options: SimWorldOptions;
  /**
   * Re-run the log's records before `beforeSeq` on a world built from the header, nothing compared:
   * how the `replay-prefix` stand-in restores. A codec that restores from its own state ignores it.
   */
  readonly rerunPrefix: (world: SimWorld, beforeSeq: number) => void;
}

/** Where a snapshot is taken: the seq its record will have. */
export interface SnapshotPoint {
  readonly seq: number;
}

/**
 * The seam for the world part of a snapshot record: the simulated machine and the driver's state
 * (fd table, kernel partitions, per-CPU pages, windows, signals) as opaque JSON, and back. The
 * snapshot record holds `{ codec: name, state }`; replay restores with the codec of that name.
 *
 * Logs are written with `simWorldCodec` (the whole world, `SimWorld.snapshot()`, restored directly);
 * `prefixWorldCodec` reads the earlier logs whose snapshots rebuild a world by re-running the
 * records before them.
 *
 * @example
 * const codec: WorldCodec = { name: 'sim-world-v1', save: (w) => w.snapshot(), restore: ... };
 */
export interface WorldCodec {
  readonly name: string;
  /** The world's state between two intents, as JSON. */
  save(world: SimWorld, at: SnapshotPoint): JsonValue;
  /**
   * A world in the saved state, built with `build` (its recorder and options), or an error naming
   * what in `state` is wrong. Nothing of a failed restore is left behind.
   */
  restore(
    state: JsonValue,
    build: WorldBuild,
  ): { readonly ok: true; readonly value: SimWorld } | { readonly ok: false; readonly error: string };
}
