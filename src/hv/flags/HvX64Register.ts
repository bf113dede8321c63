/**
 * HV_X64_REGISTER_* names (u32, hvgdk_mini.h) of the register groups a VMM saves and restores
 * through GET/SET_VP_REGISTERS, grouped the way vmm-lifecycle-rules 8 orders a restore. The
 * reference facts list only the suspend and signal-count registers (HvRegisterName.ts); these
 * values are the header's.
 *
 * @example
 * HV_X64_REGISTER_GROUP.REGISTERS.length; // 18 (RAX … R15, RIP, RFLAGS)
 */
export const HV_X64_REGISTER_GROUP = {
  /** MSRs the hypervisor keeps per VP: TSC, KERNEL_GS_BASE, PAT, SYSENTER_CS/EIP/ESP, STAR, LSTAR, CSTAR, SFMASK. */
  MSRS: [
    0x00080000, 0x00080002, 0x00080004, 0x00080005, 0x00080006, 0x00080007, 0x00080008, 0x00080009,
    0x0008000a, 0x0008000b,
  ],
  /** PENDING_INTERRUPTION, INTERRUPT_STATE, PENDING_EVENT0. */
  VP_EVENTS: [0x00010002, 0x00010003, 0x00010004],
  /** RAX … R15 (0x00020000 + n), RIP, RFLAGS. */
  REGISTERS: Array.from({ length: 18 }, (_, i) => 0x00020000 + i),
  /** ES, CS, SS, DS, FS, GS, LDTR, TR; IDTR, GDTR; CR0, CR2, CR3, CR4, CR8; EFER, APIC_BASE. */
  SPECIAL_REGISTERS: [
    0x00060000, 0x00060001, 0x00060002, 0x00060003, 0x00060004, 0x00060005, 0x00060006, 0x00060007,
    0x00070000, 0x00070001, 0x00040000, 0x00040001, 0x00040002, 0x00040003, 0x00040004, 0x00080001,
    0x00080003,
  ],
  /** XMM0 … XMM15, FP_MMX0 … FP_MMX7, FP_CONTROL_STATUS, XMM_CONTROL_STATUS. */
  FPU: Array.from({ length: 26 }, (_, i) => 0x00030000 + i),
  /** XFEM (XCR0). */
  XCRS: [0x00040005],
  /** HYPERCALL (the hypercall page MSR) and GUEST_OS_ID: partition-wide, restored through VP 0 only. */
  MISC_REGISTERS: [0x00090001, 0x00090002],
  /** DR0 … DR3, DR6, DR7. */
  DEBUG_REGISTERS: [0x00050000, 0x00050001, 0x00050002, 0x00050003, 0x00050004, 0x00050005],
} as const satisfies Readonly<Record<string, readonly number[]>>;

/** A register group's name. */
export type HvX64RegisterGroup = keyof typeof HV_X64_REGISTER_GROUP;

/** Bytes of one register value in GET/SET_VP_REGISTERS (hv_register_value). */
export const HV_REGISTER_VALUE_BYTES = 16;
