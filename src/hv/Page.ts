/** The hypervisor page: every per-CPU argument page and every batch bound derives from it. */
export const HV_PAGE_SIZE = 4096;
export const HV_PAGE_SHIFT = 12;
/** 2 MiB large pages: HV_HYP_LARGE_PAGE_SHIFT 21 − HV_HYP_PAGE_SHIFT 12. */
export const HV_LARGE_PAGE_SHIFT = 21;
export const LARGE_PAGE_SHIFT_IN_PAGES = HV_LARGE_PAGE_SHIFT - HV_PAGE_SHIFT;
/** 4 KiB pages in one 2 MiB page. */
export const PAGES_PER_LARGE_PAGE = 1 << LARGE_PAGE_SHIFT_IN_PAGES;
