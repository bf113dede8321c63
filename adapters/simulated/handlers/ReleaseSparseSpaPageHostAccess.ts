import { ReleaseSparseSpaPageHostAccess } from '../../../src/hv/hypercalls/ReleaseSparseSpaPageHostAccess.js';
import { repHandler } from './Handler.js';
import { RELEASE_STATUSES, modifyHostAccess } from './spaHostAccess.js';

/** RELEASE_SPARSE_SPA_PAGE_HOST_ACCESS (rep, ≤ 510): SNP, make user pages exclusive to the guest. */
export const ReleaseSparseSpaPageHostAccessHandler = repHandler(
  ReleaseSparseSpaPageHostAccess,
  RELEASE_STATUSES,
  (ctx, from, to) => modifyHostAccess(ctx, from, to, true),
);
