import type { HypercallDef } from '../Hypercall.js';
import { HypercallCode } from '../HypercallCode.js';
import { ModifySparseSpaPageHostAccessInput } from './ModifySparseSpaPageHostAccessInput.js';

/**
 * HVCALL_ACQUIRE_SPARSE_SPA_PAGE_HOST_ACCESS (0x00D7, rep ≤ 510): SNP, give pages back to the host
 * (MAKE_SHARED, host_access R|W) before unpinning; if it fails the pages are deliberately leaked.
 * Review point e.11: an early return inside the IRQ-disabled loop (unreachable in practice).
 */
export const AcquireSparseSpaPageHostAccess = {
  name: 'ACQUIRE_SPARSE_SPA_PAGE_HOST_ACCESS',
  code: HypercallCode.ACQUIRE_SPARSE_SPA_PAGE_HOST_ACCESS,
  kind: 'rep',
  input: ModifySparseSpaPageHostAccessInput,
  inputElement: { name: 'spaPage', size: 8 },
  doc: 'SNP: make pinned pages host-accessible again (map failure, region teardown).',
} as const satisfies HypercallDef;
