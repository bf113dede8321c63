import type { JsonValue } from '../log/JsonValue.js';
import { SimWorld } from '../runner/SimWorld.js';
import type { WorldCodec } from './WorldCodec.js';

/** The name `prefixWorldCodec` writes into snapshot records. */
export const PREFIX_WORLD_CODEC = 'replay-prefix';

/**
 * The world codec of earlier logs, kept so they still restore: `save` writes only where the
 * snapshot is (`{ beforeSeq }`), and `restore` builds a fresh world from the header and re-runs the
 * log's records before that seq on it. Runs are deterministic, so the world comes back exactly; it
 * costs the prefix's run time, which `simWorldCodec` (what logs are written with now) does not.
 *
 * @example
 * replayLog('run.log', { from: 'snapshot' }); // restores with prefixWorldCodec() when the log says so
 */
export function prefixWorldCodec(): WorldCodec {
  return {
    name: PREFIX_WORLD_CODEC,
    save: (_world, at) => ({ beforeSeq: at.seq }),
    restore(state: JsonValue, build) {
      const beforeSeq =
        state !== null && typeof state === 'object' && !Array.isArray(state)
          ? (state as { beforeSeq?: unknown }).beforeSeq
          : undefined;
      if (typeof beforeSeq !== 'number' || !Number.isSafeInteger(beforeSeq) || beforeSeq < 1)
        return { ok: false, error: 'world.state.beforeSeq: expected the seq of the snapshot record' };
      const world = new SimWorld(build.world, build.recorder, build.options);
      build.rerunPrefix(world, beforeSeq);
      return { ok: true, value: world };
    },
  };
}
