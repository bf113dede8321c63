import type { HypercallDef } from '../Hypercall.js';
import { HypercallCode } from '../HypercallCode.js';
import { ModifySparseSpaPageHostAccessInput } from './ModifySparseSpaPageHostAccessInput.js';

/**
 * HVCALL_RELEASE_SPARSE_SPA_PAGE_HOST_ACCESS (0x00D8, rep ≤ 510): SNP, take pinned pages away from
 * the host (MAKE_EXCLUSIVE, host_access 0) before MAP_GPA_PAGES. Review point e.11 applies here too.
 */
export const ReleaseSparseSpaPageHostAccess = {
  name: 'RELEASE_SPARSE_SPA_PAGE_HOST_ACCESS',
  code: HypercallCode.RELEASE_SPARSE_SPA_PAGE_HOST_ACCESS,
  kind: 'rep',
  input: ModifySparseSpaPageHostAccessInput,
  inputElement: { name: 'spaPage', size: 8 },
  doc: 'SNP: make pinned guest pages exclusive to the guest (region map).',
} as const satisfies HypercallDef;
