import { SimWorld } from '../runner/SimWorld.js';
import type { WorldCodec } from './WorldCodec.js';

/** The name `simWorldCodec` writes into snapshot records and run headers. */
export const SIM_WORLD_CODEC = 'sim-world-v1';

/**
 * The world codec logs are written with: a snapshot record's world part is the whole simulated
 * world (`SimWorld.snapshot()`, format `mshv-control-world` version 1: the machine with its host
 * memory map, pools, GPA extents, VPs and ports, the driver's fd table, partitions, regions, VPs,
 * irqfds, ioeventfds, MSI routes, port ids and window counters, and the signals not yet taken), and
 * a restore rebuilds it directly (`SimWorld.fromSnapshot`), wired as the replay asks (the recorded
 * hypervisor in front of the simulated one). Restoring costs the snapshot's size, not the prefix's
 * run time; a malformed state is an error naming its JSON path and nothing is built.
 *
 * @example
 * const { plane } = openLoggedPlane(world, writer, { worldCodec: simWorldCodec() }); // the default
 */
export function simWorldCodec(): WorldCodec {
  return {
    name: SIM_WORLD_CODEC,
    save: (world) => world.snapshot(),
    restore(state, build) {
      const r = SimWorld.fromSnapshot(state, build.recorder, build.options);
      return r.ok ? r : { ok: false, error: r.error.message };
    },
  };
}
