import { type IoctlResult, fail, ok } from '../pipeline/driver/IoctlResult.js';
import { type HostMigration, MM_MIGRATE, NOTHING_MIGRATED, type RunWorld } from './RunWorld.js';

/**
 * A host migration with `during: nextFaultIn` as its operation answers it: armed (NOTHING_MIGRATED,
 * nothing moved yet), or EBUSY while another is armed and has not fired. The scenario runner and the
 * control plane both run it, so a log and a trace say the same.
 *
 * @example
 * armMigrationRace(world, 0x7f0000000000n, 16); // { ok: true, value: NOTHING_MIGRATED }
 */
export function armMigrationRace(
  world: RunWorld,
  userAddr: bigint,
  pages: number,
): IoctlResult<HostMigration> {
  return world.armMigrationRace(userAddr, pages)
    ? ok(NOTHING_MIGRATED)
    : fail(MM_MIGRATE, 'EBUSY', 'a migration is already armed to race the next fault-in');
}
