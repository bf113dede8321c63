import type { HypercallDef } from '../Hypercall.js';
import { HypercallCode } from '../HypercallCode.js';

/**
 * HVCALL_SCRUB_PARTITION (0x008D, passthrough): never issued by the driver itself; it reaches the
 * hypervisor only through MSHV_ROOT_HVCALL (NEW allow-list only), with the first input u64
 * overwritten by the partition id. The input is opaque bytes (8 to 4096), so no layout is modelled.
 */
export const ScrubPartition = {
  name: 'SCRUB_PARTITION',
  code: HypercallCode.SCRUB_PARTITION,
  kind: 'passthrough',
  input: undefined,
  doc: 'Scrub a partition (passthrough only, NEW allow-list).',
} as const satisfies HypercallDef;
