/**
 * HV_STATS_OBJECT_* (the MAP_STATS_PAGE `type` u32) and HV_STATS_AREA_* (inventory §c.5, §c.6).
 * The driver maps VP stats pages in areas SELF and PARENT.
 *
 * @example
 * HV_STATS_OBJECT.VP.toString(16); // '10002'
 */
export const HV_STATS_OBJECT = {
  HYPERVISOR: 0x00000001,
  LOGICAL_PROCESSOR: 0x00000002,
  PARTITION: 0x00010001,
  VP: 0x00010002,
} as const;

export const HV_STATS_AREA = { SELF: 0, PARENT: 1, INTERNAL: 2 } as const;

/**
 * Index of the VP stats counter "RootDispatchThreadBlocked" the root-scheduler kick wait reads
 * in both SELF and PARENT pages (§c.6), in the NEW headers.
 */
export const VP_ROOT_DISPATCH_THREAD_BLOCKED_COUNTER = { x86_64: 202, arm64: 95 } as const;

/** The same index as first merged (ORIG): one lower on both architectures. */
export const VP_ROOT_DISPATCH_THREAD_BLOCKED_COUNTER_ORIG = { x86_64: 201, arm64: 94 } as const;
