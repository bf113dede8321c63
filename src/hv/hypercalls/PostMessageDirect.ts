import type { HypercallDef } from '../Hypercall.js';
import { HypercallCode } from '../HypercallCode.js';

/**
 * HVCALL_POST_MESSAGE_DIRECT (0x00C1, passthrough): never issued by the driver itself; it reaches the
 * hypervisor only through MSHV_ROOT_HVCALL, with the first input u64 overwritten by the partition id. The
 * input is opaque bytes (8 to 4096), so no layout is modelled.
 */
export const PostMessageDirect = {
  name: 'POST_MESSAGE_DIRECT',
  code: HypercallCode.POST_MESSAGE_DIRECT,
  kind: 'passthrough',
  input: undefined,
  doc: 'Post a message to a guest SINT directly (passthrough only).',
} as const satisfies HypercallDef;
