import { Layout, u32, u64 } from '../Layout.js';

/**
 * hv_input_modify_sparse_spa_page_host_access (16 bytes) followed by a u64 SPA page list; shared by
 * ACQUIRE and RELEASE. The first u32 is `host_access:2` with 30 reserved bits above it.
 */
export const ModifySparseSpaPageHostAccessInput = new Layout(
  'hv_input_modify_sparse_spa_page_host_access',
  16,
  [u32('hostAccess', 0, 0xffff_fffcn), u32('flags', 4), u64('partitionId', 8)] as const,
);

/** HV_MODIFY_SPARSE_SPA_PAGE_HOST_ACCESS_MAX_PAGE_COUNT = (4096 − 16) / 8 = 510, a page bound. */
export const MODIFY_SPA_HOST_ACCESS_REPS_MAX = 510;
