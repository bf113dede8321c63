import type { HypercallDef } from '../Hypercall.js';
import { HypercallCode } from '../HypercallCode.js';

/**
 * HVCALL_GET_VP_CPUID_VALUES (0x00F4, passthrough): never issued by the driver itself; it reaches the
 * hypervisor only through MSHV_ROOT_HVCALL, with the first input u64 overwritten by the partition id. The
 * input is opaque bytes (8 to 4096), so no layout is modelled.
 */
export const GetVpCpuidValues = {
  name: 'GET_VP_CPUID_VALUES',
  code: HypercallCode.GET_VP_CPUID_VALUES,
  kind: 'passthrough',
  input: undefined,
  doc: 'Read CPUID values as a VP sees them (passthrough only).',
} as const satisfies HypercallDef;
