/**
 * The names a scenario may use for uapi flag bits and enumerations (include/uapi/linux/mshv.h,
 * newest upstream; inventory §a.5). Flag tables give bit numbers, enumeration tables values.
 */

/** MSHV_PT_BIT_* (pt_flags of MSHV_CREATE_PARTITION). */
export const PtFlagBit = {
  LAPIC: 0,
  X2APIC: 1,
  GPA_SUPER_PAGES: 2,
  CPU_AND_XSAVE_FEATURES: 3,
  NESTED_VIRTUALIZATION: 4,
  SMT_ENABLED_GUEST: 5,
} as const;

/** MSHV_PT_ISOLATION_* (pt_isolation). */
export const PtIsolation = { NONE: 0 } as const;

/** MSHV_NUM_CPU_FEATURES_BANKS: the pt_num_cpu_fbanks value the kernel requires. */
export const NUM_CPU_FEATURES_BANKS = 2;

/** MSHV_SET_MEM_BIT_* (flags of MSHV_SET_GUEST_MEMORY). */
export const SetMemFlagBit = { WRITABLE: 0, EXECUTABLE: 1, UNMAP: 2 } as const;

/** MSHV_IRQFD_BIT_*. */
export const IrqfdFlagBit = { DEASSIGN: 0, RESAMPLE: 1 } as const;

/** MSHV_IOEVENTFD_BIT_*. */
export const IoeventfdFlagBit = { DATAMATCH: 0, PIO: 1, DEASSIGN: 2 } as const;

/** MSHV_VP_STATE_* (type of MSHV_GET_VP_STATE / MSHV_SET_VP_STATE). */
export const VpStateType = { LAPIC: 0, XSAVE: 1, SIMP: 2, SIEFP: 3, SYNTHETIC_TIMERS: 4 } as const;

/** MSHV_GPAP_ACCESS_TYPE_*. */
export const GpapAccessType = { ACCESSED: 0, DIRTY: 1 } as const;

/** MSHV_GPAP_ACCESS_OP_*. */
export const GpapAccessOp = { NOOP: 0, CLEAR: 1, SET: 2 } as const;
