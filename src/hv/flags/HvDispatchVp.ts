/**
 * HV_DISPATCH_VP_FLAG_*: the DISPATCH_VP input `flags` (u32) used by the root scheduler run loop
 * (inventory §c.6). The driver passes CLEAR_INTERCEPT_SUSPEND after an intercept exit.
 *
 * @example
 * HV_DISPATCH_VP_FLAG.CLEAR_INTERCEPT_SUSPEND; // 1
 */
export const HV_DISPATCH_VP_FLAG = {
  CLEAR_INTERCEPT_SUSPEND: 0x1,
  ENABLE_CALLER_INTERRUPTS: 0x2,
  SET_CALLER_SPEC_CTRL: 0x4,
  SKIP_VP_SPEC_FLUSH: 0x8,
  SKIP_CALLER_SPEC_FLUSH: 0x10,
  SKIP_CALLER_USER_SPEC_FLUSH: 0x20,
  SCAN_INTERRUPT_INJECTION: 0x40,
} as const;

/** HV_VP_DISPATCH_STATE_*: DISPATCH_VP output `dispatch_state`. */
export const HV_VP_DISPATCH_STATE = { INVALID: 0, BLOCKED: 1, READY: 2 } as const;

/** HV_VP_DISPATCH_EVENT_*: DISPATCH_VP output `dispatch_event`. */
export const HV_VP_DISPATCH_EVENT = { INVALID: 0, SUSPEND: 1, INTERCEPT: 2 } as const;

/**
 * Bits of CPUID leaf 0x40000003 ECX the driver tests: the irqfd fast path needs
 * VP_DISPATCH_INTERRUPT_INJECTION_AVAILABLE (§c.11).
 */
export const CPUID_0X40000003_ECX_BIT = {
  VP_DISPATCH_INTERRUPT_INJECTION_AVAILABLE: 9,
  VP_GHCB_ROOT_MAPPING_AVAILABLE: 10,
} as const;
