import type { HypercallDef } from '../Hypercall.js';
import { HypercallCode } from '../HypercallCode.js';

/**
 * HVCALL_REGISTER_INTERCEPT_RESULT (0x0091, passthrough): never issued by the driver itself; it reaches the
 * hypervisor only through MSHV_ROOT_HVCALL, with the first input u64 overwritten by the partition id. The
 * input is opaque bytes (8 to 4096), so no layout is modelled.
 */
export const RegisterInterceptResult = {
  name: 'REGISTER_INTERCEPT_RESULT',
  code: HypercallCode.REGISTER_INTERCEPT_RESULT,
  kind: 'passthrough',
  input: undefined,
  doc: 'Register an intercept result (passthrough only).',
} as const satisfies HypercallDef;
