import type { HypercallDef } from '../Hypercall.js';
import { HypercallCode } from '../HypercallCode.js';

/**
 * HVCALL_SIGNAL_EVENT_DIRECT (0x00C0, passthrough): never issued by the driver itself; it reaches the
 * hypervisor only through MSHV_ROOT_HVCALL, with the first input u64 overwritten by the partition id. The
 * input is opaque bytes (8 to 4096), so no layout is modelled.
 */
export const SignalEventDirect = {
  name: 'SIGNAL_EVENT_DIRECT',
  code: HypercallCode.SIGNAL_EVENT_DIRECT,
  kind: 'passthrough',
  input: undefined,
  doc: 'Signal a guest event directly (passthrough only).',
} as const satisfies HypercallDef;
