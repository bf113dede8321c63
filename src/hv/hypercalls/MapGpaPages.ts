import type { HypercallDef } from '../Hypercall.js';
import { HypercallCode } from '../HypercallCode.js';
import { Layout, u32, u64 } from '../Layout.js';

/**
 * hv_input_map_gpa_pages (24 bytes) followed by a u64 source PFN list. In 2 MiB mode
 * (HV_MAP_GPA_LARGE_PAGE) each entry is the head PFN of a 2 MiB run and the GPA advances by 512
 * pages per rep. The kernel wrapper never writes `padding` (review point e.2): whatever the per-CPU
 * page held stays there unless the page is zeroed first.
 */
export const MapGpaPagesInput = new Layout('hv_input_map_gpa_pages', 24, [
  u64('targetPartitionId', 0),
  u64('targetGpaBase', 8),
  u32('mapFlags', 16),
] as const);

/** HV_MAP_GPA_BATCH_SIZE = (4096 − 24) / 8 = 509 PFNs after the header; `traitsOf` derives it. */
export const MAP_GPA_PAGES_REPS_MAX = 509;

/**
 * HV_MAP_GPA_DEPOSIT_PAGES: pages deposited into the child on each INSUFFICIENT_MEMORY (ORIG/MID,
 * empirical; a Feb-2026 patch replaces it with the status-driven helper, inventory §b.3).
 */
export const MAP_GPA_DEPOSIT_PAGES = 256;

/**
 * HVCALL_MAP_GPA_PAGES (0x004B, rep ≤ 509): map guest RAM or MMIO (HV_MAP_GPA in src/hv/flags). Review
 * point e.4: in 2 MiB mode only every 512th entry of the 4 KiB page array (the head PFN) is passed.
 */
export const MapGpaPages = {
  name: 'MAP_GPA_PAGES',
  code: HypercallCode.MAP_GPA_PAGES,
  kind: 'rep',
  input: MapGpaPagesInput,
  inputElement: { name: 'sourcePfn', size: 8 },
  doc: 'Map a run of guest physical pages to host PFNs (regions, MMIO).',
} as const satisfies HypercallDef;
