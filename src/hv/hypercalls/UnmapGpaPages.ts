import type { HypercallDef } from '../Hypercall.js';
import { HypercallCode } from '../HypercallCode.js';
import { Layout, u32, u64 } from '../Layout.js';

/** hv_input_unmap_gpa_pages (24 bytes); no list: the rep count is the number of pages. */
export const UnmapGpaPagesInput = new Layout('hv_input_unmap_gpa_pages', 24, [
  u64('targetPartitionId', 0),
  u64('targetGpaBase', 8),
  u32('unmapFlags', 16),
] as const);

/**
 * HV_UMAP_GPA_PAGES: the driver unmaps at most 512 reps per call. Unmap carries no list, so this is
 * not a page bound: it bounds how long interrupts stay disabled while a whole guest is unmapped
 * (seed review point 6, Michael Kelley: "only to allow for interrupts").
 */
export const UNMAP_GPA_PAGES_REPS_MAX = 512;

/** HVCALL_UNMAP_GPA_PAGES (0x004C): unmap a GPA run (HV_UNMAP_GPA_LARGE_PAGE counts 2 MiB units). */
export const UnmapGpaPages = {
  name: 'UNMAP_GPA_PAGES',
  code: HypercallCode.UNMAP_GPA_PAGES,
  kind: 'rep',
  input: UnmapGpaPagesInput,
  repBound: {
    reps: UNMAP_GPA_PAGES_REPS_MAX,
    constant: 'HV_UMAP_GPA_PAGES',
    reason: 'interrupt-latency: bounds the IRQ-disabled window, not the page',
  },
  doc: 'Unmap a run of guest physical pages (region teardown).',
} as const satisfies HypercallDef;
