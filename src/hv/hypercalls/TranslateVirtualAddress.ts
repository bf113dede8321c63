import type { HypercallDef } from '../Hypercall.js';
import { HypercallCode } from '../HypercallCode.js';

/**
 * HVCALL_TRANSLATE_VIRTUAL_ADDRESS (0x0052, passthrough): never issued by the driver itself; it reaches the
 * hypervisor only through MSHV_ROOT_HVCALL, with the first input u64 overwritten by the partition id. The
 * input is opaque bytes (8 to 4096), so no layout is modelled.
 */
export const TranslateVirtualAddress = {
  name: 'TRANSLATE_VIRTUAL_ADDRESS',
  code: HypercallCode.TRANSLATE_VIRTUAL_ADDRESS,
  kind: 'passthrough',
  input: undefined,
  doc: 'Translate a guest virtual address (passthrough only).',
} as const satisfies HypercallDef;
