import type { Codec } from '../../../src/scenario/Codec.js';
import { ScenarioError } from '../../../src/scenario/ScenarioError.js';
import { SnapshotError } from '../../../src/snapshot/SnapshotError.js';

/**
 * Read a value with a scenario-format codec (host memory, fault plan entries, guest exits), turning
 * its ScenarioError into a SnapshotError with the same path and rule: a snapshot embeds those values
 * exactly as a scenario writes them.
 *
 * @example
 * viaScenarioCodec(guestExitCodec, { exit: 'HALT' }, '$.script[0]'); // { exit: 'HALT' }
 */
export function viaScenarioCodec<T>(codec: Codec<T>, value: unknown, path: string): T {
  try {
    return codec.read(value, path);
  } catch (e) {
    if (e instanceof ScenarioError) throw new SnapshotError(e.path, e.rule, e.detail);
    throw e;
  }
}
