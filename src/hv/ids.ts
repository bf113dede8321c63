/** Branded ids: a PartitionId cannot be passed where a port id is expected. */
declare const brand: unique symbol;
export type Brand<T, B extends string> = T & { readonly [brand]: B };

/** Hypervisor partition id (u64). */
export type PartitionId = Brand<bigint, 'PartitionId'>;
/** VP index within a partition (u32; the driver allows < 256). */
export type VpIndex = Brand<number, 'VpIndex'>;
/** Guest frame number: guest physical address >> 12. */
export type Gfn = Brand<bigint, 'Gfn'>;
/** Host (system) physical frame number. */
export type Pfn = Brand<bigint, 'Pfn'>;
/** Synic port id / connection id (u32). */
export type PortId = Brand<number, 'PortId'>;

/**
 * A u64 as a PartitionId (a cast: no check).
 *
 * @example
 * partitionId(0x10n); // 0x10n as a PartitionId
 */
export const partitionId = (v: bigint): PartitionId => v as PartitionId;
/**
 * A number as a VpIndex (a cast: no check).
 *
 * @example
 * vpIndex(3); // 3 as a VpIndex
 */
export const vpIndex = (v: number): VpIndex => v as VpIndex;
/**
 * A bigint as a Gfn (a cast: no check).
 *
 * @example
 * gfn(0x100n); // 0x100n as a Gfn
 */
export const gfn = (v: bigint): Gfn => v as Gfn;
/**
 * A bigint as a Pfn (a cast: no check).
 *
 * @example
 * pfn(0x200n); // 0x200n as a Pfn
 */
export const pfn = (v: bigint): Pfn => v as Pfn;
/**
 * A number as a PortId (a cast: no check).
 *
 * @example
 * portId(7); // 7 as a PortId
 */
export const portId = (v: number): PortId => v as PortId;

/** HV_PARTITION_ID_SELF: the caller's own partition (U64_MAX). */
export const HV_PARTITION_ID_SELF = 0xffff_ffff_ffff_ffffn as PartitionId;
/** HV_ANY_VP. */
export const HV_ANY_VP = 0xffff_ffff;
