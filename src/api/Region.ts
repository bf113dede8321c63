/**
 * A guest memory region mapped with `partition.mapMemory` (struct mshv_user_mem_region); pass it to
 * `unmapMemory`. `key` names it in the partition machine and in the log.
 *
 * @example
 * const ram = partition.mapMemory({ guestPfn: 0n, size: 1n << 30n, userAddr, writable: true });
 * if (ram.ok) partition.unmapMemory(ram.value);
 */
export interface Region {
  readonly key: string;
  readonly guestPfn: bigint;
  /** Bytes. */
  readonly size: bigint;
  readonly userAddr: bigint;
  readonly writable: boolean;
  readonly executable: boolean;
}
