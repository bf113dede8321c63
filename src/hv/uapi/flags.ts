import {
  HV_PARTITION_CREATION_FLAG,
  HV_PARTITION_CREATION_FLAGS_ALWAYS_SET,
} from '../flags/HvPartitionCreationFlag.js';
import type { HvPartitionCreationFlagName } from '../flags/HvPartitionCreationFlag.js';
import { HV_PARTITION_PROPERTY } from '../flags/HvPartitionProperty.js';
import { HV_GET_SET_VP_STATE } from '../flags/HvVpState.js';

/*
 * Flag bits, enums and limits of the mshv uapi (include/uapi/linux/mshv.h) and the driver's own
 * limits (mshv_root.h), inventory §a.5 and facts `flags_enums` / `limits`. Names without a suffix
 * are the NEW (newest upstream) values; `_ORIG` names keep the first-merged values beside them.
 */

/**
 * MSHV_PT_BIT_*: bit numbers of `mshv_create_partition.pt_flags` (NEW: six bits).
 *
 * @example
 * 1n << BigInt(MSHV_PT_BIT.X2APIC); // 2n
 */
export const MSHV_PT_BIT = {
  LAPIC: 0,
  X2APIC: 1,
  GPA_SUPER_PAGES: 2,
  /** Selects the 64-byte v2 argument; maps to no hypervisor flag. */
  CPU_AND_XSAVE_FEATURES: 3,
  NESTED_VIRTUALIZATION: 4,
  SMT_ENABLED_GUEST: 5,
  COUNT: 6,
} as const;

/** MSHV_PT_FLAGS_MASK (NEW): bits 0..5. */
export const MSHV_PT_FLAGS_MASK = 0x3f;

/** MSHV_PT_BIT_* as first merged: LAPIC, X2APIC, GPA_SUPER_PAGES only. */
export const MSHV_PT_BIT_ORIG = { LAPIC: 0, X2APIC: 1, GPA_SUPER_PAGES: 2, COUNT: 3 } as const;

/** MSHV_PT_FLAGS_MASK as first merged: bits 0..2. */
export const MSHV_PT_FLAGS_MASK_ORIG = 0x7;

/** MSHV_PT_ISOLATION_*: only NONE exists, so `pt_isolation` must be 0 (≥ COUNT → -EINVAL). */
export const MSHV_PT_ISOLATION = { NONE: 0, COUNT: 1 } as const;

/** MSHV_NUM_CPU_FEATURES_BANKS (NEW): `pt_num_cpu_fbanks` of the v2 argument must equal it. */
export const MSHV_NUM_CPU_FEATURES_BANKS = 2;

/** MSHV_SET_MEM_BIT_*: bit numbers of `mshv_user_mem_region.flags`. */
export const MSHV_SET_MEM_BIT = { WRITABLE: 0, EXECUTABLE: 1, UNMAP: 2, COUNT: 3 } as const;
export const MSHV_SET_MEM_FLAGS_MASK = 0x7;

/** MSHV_IRQFD_BIT_*: bit numbers of `mshv_user_irqfd.flags`. */
export const MSHV_IRQFD_BIT = { DEASSIGN: 0, RESAMPLE: 1, COUNT: 2 } as const;
export const MSHV_IRQFD_FLAGS_MASK = 0x3;

/** MSHV_IOEVENTFD_BIT_*: bit numbers of `mshv_user_ioeventfd.flags` (PIO → -EOPNOTSUPP). */
export const MSHV_IOEVENTFD_BIT = { DATAMATCH: 0, PIO: 1, DEASSIGN: 2, COUNT: 3 } as const;
export const MSHV_IOEVENTFD_FLAGS_MASK = 0x7;

/** MSHV_GPAP_ACCESS_TYPE_*: `mshv_gpap_access_bitmap.access_type`. */
export const MSHV_GPAP_ACCESS_TYPE = { ACCESSED: 0, DIRTY: 1, COUNT: 2 } as const;

/** MSHV_GPAP_ACCESS_OP_*: `mshv_gpap_access_bitmap.access_op`. */
export const MSHV_GPAP_ACCESS_OP = { NOOP: 0, CLEAR: 1, SET: 2, COUNT: 3 } as const;

/** MSHV_VP_MMAP_OFFSET_*: VP fd mmap offset = value × system page size. */
export const MSHV_VP_MMAP_OFFSET = { REGISTERS: 0, INTERCEPT_MESSAGE: 1, GHCB: 2, COUNT: 3 } as const;

/** MSHV_VP_STATE_*: `mshv_get_set_vp_state.type` (≥ COUNT → -EINVAL). */
export const MSHV_VP_STATE = {
  LAPIC: 0,
  XSAVE: 1,
  SIMP: 2,
  SIEFP: 3,
  SYNTHETIC_TIMERS: 4,
  COUNT: 5,
} as const;

export type MshvVpStateName = Exclude<keyof typeof MSHV_VP_STATE, 'COUNT'>;

/**
 * Bytes each VP state needs (§c.7): a fixed size, or the partition property the driver reads
 * (XSAVE: MAX_XSAVE_DATA_SIZE). SYNTHETIC_TIMERS is 4 × 40 + 5 × 8 = 200.
 */
export const MSHV_VP_STATE_REQUIRED: Readonly<
  Record<MshvVpStateName, { readonly bytes: number } | { readonly property: number }>
> = {
  LAPIC: { bytes: 4096 },
  XSAVE: { property: HV_PARTITION_PROPERTY.MAX_XSAVE_DATA_SIZE },
  SIMP: { bytes: 4096 },
  SIEFP: { bytes: 4096 },
  SYNTHETIC_TIMERS: { bytes: 200 },
};

/** The hypervisor GET/SET_VP_STATE type each MSHV_VP_STATE is lowered to. */
export const MSHV_VP_STATE_TO_HV: Readonly<Record<MshvVpStateName, number>> = {
  LAPIC: HV_GET_SET_VP_STATE.LAPIC_STATE,
  XSAVE: HV_GET_SET_VP_STATE.XSAVE,
  SIMP: HV_GET_SET_VP_STATE.SIM_PAGE,
  SIEFP: HV_GET_SET_VP_STATE.SIEF_PAGE,
  SYNTHETIC_TIMERS: HV_GET_SET_VP_STATE.SYNTHETIC_TIMERS,
};

const VP_STATE_NAMES = ['LAPIC', 'XSAVE', 'SIMP', 'SIEFP', 'SYNTHETIC_TIMERS'] as const;

/**
 * Required buffer bytes for a VP state type; XSAVE takes the partition's MAX_XSAVE_DATA_SIZE.
 * Throws a RangeError naming `type` for a value ≥ MSHV_VP_STATE.COUNT.
 *
 * @example
 * vpStateRequiredBytes(MSHV_VP_STATE.SYNTHETIC_TIMERS, 0); // 200
 */
export function vpStateRequiredBytes(type: number, maxXsaveDataBytes: number): number {
  const name = VP_STATE_NAMES[type];
  if (!Number.isInteger(type) || name === undefined) {
    throw new RangeError(`mshv_get_set_vp_state.type: ${type} is not below MSHV_VP_STATE_COUNT (5)`);
  }
  const req = MSHV_VP_STATE_REQUIRED[name];
  return 'bytes' in req ? req.bytes : maxXsaveDataBytes;
}

/** MSHV_RUN_VP_BUF_SZ: the MSHV_RUN_VP argument holds one 256-byte hv_message. */
export const MSHV_RUN_VP_BUF_SZ = 256;

/** MSHV_HV_PAGE_SIZE: equals the hypervisor page (HV_HYP_PAGE_SIZE). */
export const MSHV_HV_PAGE_SIZE = 4096;

/** MSHV_MAX_VPS: `vp_index` must be below it (CREATE_VP → -EINVAL). */
export const MSHV_MAX_VPS = 256;

/** MSHV_MAX_GUEST_IRQS: the most MSI routes, and the bound on every gsi. */
export const MSHV_MAX_GUEST_IRQS = 4096;

/** Which hypervisor creation flag each MSHV_PT_BIT maps to; CPU_AND_XSAVE_FEATURES maps to none. */
export const MSHV_PT_BIT_TO_CREATION_FLAG: Readonly<
  Record<Exclude<keyof typeof MSHV_PT_BIT, 'COUNT'>, HvPartitionCreationFlagName | undefined>
> = {
  LAPIC: 'LAPIC_ENABLED',
  X2APIC: 'X2APIC_CAPABLE',
  GPA_SUPER_PAGES: 'GPA_SUPER_PAGES_ENABLED',
  CPU_AND_XSAVE_FEATURES: undefined,
  NESTED_VIRTUALIZATION: 'NESTED_VIRTUALIZATION_CAPABLE',
  SMT_ENABLED_GUEST: 'SMT_ENABLED_GUEST',
};

const PT_BIT_ENTRIES = Object.entries(MSHV_PT_BIT_TO_CREATION_FLAG) as [
  keyof typeof MSHV_PT_BIT_TO_CREATION_FLAG,
  HvPartitionCreationFlagName | undefined,
][];

const bit = (name: HvPartitionCreationFlagName): bigint => 1n << BigInt(HV_PARTITION_CREATION_FLAG[name]);

/**
 * The hypervisor `creation flags` the driver builds from `pt_flags` (inventory §a.5, §c.2 step 3):
 * EXO_PARTITION and INTERCEPT_MESSAGE_PAGE_ENABLED always, plus one flag per set MSHV_PT_BIT
 * (CPU_AND_XSAVE_FEATURES adds none). A bit outside MSHV_PT_FLAGS_MASK, which the driver rejects
 * with -EINVAL, throws a RangeError naming the bit.
 *
 * @example
 * ptFlagsToCreationFlags(1n << 0n).toString(16); // '82100': LAPIC_ENABLED | INTERCEPT_MESSAGE_PAGE | EXO
 */
export function ptFlagsToCreationFlags(ptFlags: bigint): bigint {
  if (ptFlags < 0n || ptFlags > 0xffff_ffff_ffff_ffffn) {
    throw new RangeError(`mshv_create_partition.pt_flags: ${ptFlags} is not an unsigned 64-bit value`);
  }
  const unknown = ptFlags & ~BigInt(MSHV_PT_FLAGS_MASK);
  if (unknown !== 0n) {
    let b = 0;
    while (((unknown >> BigInt(b)) & 1n) === 0n) b++;
    throw new RangeError(
      `mshv_create_partition.pt_flags: bit ${b} is not a known MSHV_PT_BIT (mask 0x${MSHV_PT_FLAGS_MASK.toString(16)})`,
    );
  }
  let flags = 0n;
  for (const name of HV_PARTITION_CREATION_FLAGS_ALWAYS_SET) flags |= bit(name);
  for (const [ptName, hvName] of PT_BIT_ENTRIES) {
    if (hvName !== undefined && ((ptFlags >> BigInt(MSHV_PT_BIT[ptName])) & 1n) === 1n) flags |= bit(hvName);
  }
  return flags;
}
