/**
 * HV_MAP_GPA_* flags for MAP_GPA_PAGES `mapFlags` (inventory §a.5, §c.4). RAM regions map
 * READABLE | ADJUSTABLE (+ WRITABLE, + EXECUTABLE); MMIO maps READABLE | WRITABLE | NOT_CACHED; movable
 * regions are first mapped NO_ACCESS.
 */
export const MapGpaFlag = {
  PERMISSIONS_NONE: 0x0,
  READABLE: 0x1,
  WRITABLE: 0x2,
  KERNEL_EXECUTABLE: 0x4,
  USER_EXECUTABLE: 0x8,
  EXECUTABLE: 0xc,
  PERMISSIONS_MASK: 0xf,
  ADJUSTABLE: 0x8000,
  NO_ACCESS: 0x1_0000,
  NOT_CACHED: 0x20_0000,
  /** 2 MiB mode: the count must be a multiple of 512 and each list entry is a head PFN. */
  LARGE_PAGE: 0x8000_0000,
} as const;

/** HV_UNMAP_GPA_LARGE_PAGE for UNMAP_GPA_PAGES `unmapFlags`: the rep count counts 2 MiB units. */
export const UNMAP_GPA_LARGE_PAGE = 0x2;
