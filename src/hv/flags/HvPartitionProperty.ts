/**
 * HV_PARTITION_PROPERTY_* codes (u32) the driver reads or the passthrough path commonly carries
 * (inventory §c.7, facts `flags_enums.HV_PARTITION_PROPERTY`). VMM_CAPABILITIES and
 * INTEGRATED_SCHEDULER_ENABLED exist in NEW but their values were not retrieved (§f), so they are
 * absent rather than guessed.
 *
 * @example
 * HV_PARTITION_PROPERTY.MAX_XSAVE_DATA_SIZE.toString(16); // '60008'
 */
export const HV_PARTITION_PROPERTY = {
  PRIVILEGE_FLAGS: 0x00010000,
  SYNTHETIC_PROC_FEATURES: 0x00010001,
  GPA_PAGE_ACCESS_TRACKING: 0x00050005,
  UNIMPLEMENTED_MSR_ACTION: 0x00050017,
  PROCESSOR_XSAVE_FEATURES: 0x00060002,
  XSAVE_STATES: 0x00060007,
  MAX_XSAVE_DATA_SIZE: 0x00060008,
  PROCESSOR_CLOCK_FREQUENCY: 0x00060009,
} as const;

/** GET_SYSTEM_PROPERTY property id the root driver queries at module init (§c.1). */
export const HV_SYSTEM_PROPERTY_SCHEDULER_TYPE = 15;

/** HV_SCHEDULER_TYPE_*: any other value fails module init with -EOPNOTSUPP (§c.1). */
export const HV_SCHEDULER_TYPE = { LP: 1, LP_SMT: 2, CORE_SMT: 3, ROOT: 4 } as const;

/**
 * Partition property codes that pause and resume need beyond the facts file (hvhdk.h
 * HV_PARTITION_PROPERTY_TIME_FREEZE and _REFERENCE_TIME; vmm-lifecycle-rules 2, 3). The reference
 * inventory names the properties but not their values; these are the header's.
 *
 * @example
 * HV_PARTITION_PROPERTY_TIME.TIME_FREEZE.toString(16); // '30003'
 */
export const HV_PARTITION_PROPERTY_TIME = {
  TIME_FREEZE: 0x00030003,
  REFERENCE_TIME: 0x00030005,
} as const;

/**
 * A partition property code by name, from either table; undefined for a name neither knows.
 *
 * @example
 * partitionPropertyCode('TIME_FREEZE'); // 0x30003
 */
export function partitionPropertyCode(name: string): number | undefined {
  if (Object.hasOwn(HV_PARTITION_PROPERTY, name))
    return HV_PARTITION_PROPERTY[name as keyof typeof HV_PARTITION_PROPERTY];
  if (Object.hasOwn(HV_PARTITION_PROPERTY_TIME, name))
    return HV_PARTITION_PROPERTY_TIME[name as keyof typeof HV_PARTITION_PROPERTY_TIME];
  return undefined;
}
