import type { HypercallDef } from '../Hypercall.js';
import { HypercallCode } from '../HypercallCode.js';

/**
 * HVCALL_INSTALL_INTERCEPT (0x004D, passthrough): never issued by the driver itself; it reaches the
 * hypervisor only through MSHV_ROOT_HVCALL, with the first input u64 overwritten by the partition id. The
 * input is opaque bytes (8 to 4096), so no layout is modelled.
 */
export const InstallIntercept = {
  name: 'INSTALL_INTERCEPT',
  code: HypercallCode.INSTALL_INTERCEPT,
  kind: 'passthrough',
  input: undefined,
  doc: 'Install an intercept (passthrough only).',
} as const satisfies HypercallDef;
