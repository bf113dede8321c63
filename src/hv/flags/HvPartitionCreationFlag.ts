/**
 * HV_PARTITION_CREATION_FLAG_* (hvhdk.h): bit positions in the u64 `flags` of the CREATE_PARTITION
 * hypercall input (inventory §a.5, §b.4). Only the bits the mshv_root driver sets are listed.
 *
 * @example
 * 1n << BigInt(HV_PARTITION_CREATION_FLAG.EXO_PARTITION); // 0x100n
 */
export const HV_PARTITION_CREATION_FLAG = {
  SMT_ENABLED_GUEST: 0,
  NESTED_VIRTUALIZATION_CAPABLE: 1,
  GPA_SUPER_PAGES_ENABLED: 4,
  EXO_PARTITION: 8,
  LAPIC_ENABLED: 13,
  INTERCEPT_MESSAGE_PAGE_ENABLED: 19,
  X2APIC_CAPABLE: 22,
} as const;

export type HvPartitionCreationFlagName = keyof typeof HV_PARTITION_CREATION_FLAG;

/** Flags the driver sets on every partition it creates, whatever `pt_flags` says (§a.5). */
export const HV_PARTITION_CREATION_FLAGS_ALWAYS_SET: readonly HvPartitionCreationFlagName[] = [
  'EXO_PARTITION',
  'INTERCEPT_MESSAGE_PAGE_ENABLED',
];

/** `compatibility_version` the driver puts in the CREATE_PARTITION input (§b.4). */
export const HV_COMPATIBILITY_21_H2 = 0x0609;

/** HV_PARTITION_ISOLATION_TYPE_*: the driver only creates NONE (MSHV_PT_ISOLATION has one value). */
export const HV_PARTITION_ISOLATION_TYPE = { NONE: 0, SNP: 2, TDX: 3 } as const;
