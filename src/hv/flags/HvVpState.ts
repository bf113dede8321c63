/**
 * HV_VP_STATE_PAGE_*: the per-VP pages mapped with MAP_VP_STATE_PAGE (the `type` u16), and the
 * mmap offsets of a VP fd in the same order (inventory §c.5, §c.7).
 *
 * @example
 * HV_VP_STATE_PAGE.INTERCEPT_MESSAGE; // 1
 */
export const HV_VP_STATE_PAGE = { REGISTERS: 0, INTERCEPT_MESSAGE: 1, GHCB: 2 } as const;

/** Bit 31 of a GET/SET_VP_STATE type: the state is passed as PFNs of pinned user pages. */
export const HV_GET_SET_VP_STATE_TYPE_PFN_BIT = 31;

/**
 * HV_GET_SET_VP_STATE_*: the `state_data.type` of GET/SET_VP_STATE (§c.7). The PFN-based types have
 * bit 31 set; SYNTHETIC_TIMERS (200 bytes) travels as raw bytes on the hypercall pages.
 */
export const HV_GET_SET_VP_STATE = {
  LAPIC_STATE: 0x80000000,
  XSAVE: 0x80000001,
  SIM_PAGE: 0x80000002,
  SIEF_PAGE: 0x80000003,
  SYNTHETIC_TIMERS: 0x00000004,
} as const;

/**
 * True when a GET/SET_VP_STATE type passes PFNs (bit 31 set) rather than bytes.
 *
 * @example
 * isPfnVpStateType(HV_GET_SET_VP_STATE.XSAVE); // true
 */
export function isPfnVpStateType(type: number): boolean {
  return Math.floor(type / 2 ** HV_GET_SET_VP_STATE_TYPE_PFN_BIT) % 2 === 1;
}
