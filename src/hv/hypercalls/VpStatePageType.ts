/**
 * HV_VP_STATE_PAGE_* types for MAP/UNMAP_VP_STATE_PAGE; they double as the MSHV_VP_MMAP_OFFSET_*
 * page offsets of a VP fd (inventory §a.5, §c.5).
 */
export const VpStatePageType = { REGISTERS: 0, INTERCEPT_MESSAGE: 1, GHCB: 2 } as const;
