/**
 * When a host migration happens (`migrateUserPages`'s `during`): absent, at once; `nextFaultIn`, while
 * the next movable-region fault-in over a page of the range runs, after hmm_range_fault resolved the
 * pages and before the driver maps them (the race NEW's mmu_interval_read_retry loop exists for).
 *
 * @example
 * MIGRATE_DURING.includes('nextFaultIn'); // true
 */
export const MIGRATE_DURING = ['nextFaultIn'] as const;

export type MigrateDuring = (typeof MIGRATE_DURING)[number];
