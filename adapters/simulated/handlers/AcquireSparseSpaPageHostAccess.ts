import { AcquireSparseSpaPageHostAccess } from '../../../src/hv/hypercalls/AcquireSparseSpaPageHostAccess.js';
import { repHandler } from './Handler.js';
import { HOST_ACCESS_STATUSES, modifyHostAccess } from './spaHostAccess.js';

/** ACQUIRE_SPARSE_SPA_PAGE_HOST_ACCESS (rep, ≤ 510): SNP, give exclusive pages back to the host. */
export const AcquireSparseSpaPageHostAccessHandler = repHandler(
  AcquireSparseSpaPageHostAccess,
  HOST_ACCESS_STATUSES,
  (ctx, from, to) => modifyHostAccess(ctx, from, to, false),
);
