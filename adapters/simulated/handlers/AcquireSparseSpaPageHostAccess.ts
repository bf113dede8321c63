import { AcquireSparseSpaPageHostAccess } from '../../../src/hv/hypercalls/AcquireSparseSpaPageHostAccess.js';
import { repHandler } from './Handler.js';
import { ACQUIRE_STATUSES, modifyHostAccess } from './spaHostAccess.js';

/**
 * ACQUIRE_SPARSE_SPA_PAGE_HOST_ACCESS (rep, ≤ 510): SNP, give exclusive pages back to the host. The
 * page's owner decides: the kernel sends partition_id 0, after FINALIZE_PARTITION (`modifyHostAccess`).
 */
export const AcquireSparseSpaPageHostAccessHandler = repHandler(
  AcquireSparseSpaPageHostAccess,
  ACQUIRE_STATUSES,
  (ctx, from, to) => modifyHostAccess(ctx, from, to, false),
);
