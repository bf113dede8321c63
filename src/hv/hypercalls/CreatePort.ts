import type { HypercallDef } from '../Hypercall.js';
import { HypercallCode } from '../HypercallCode.js';
import { Layout, u32, u64, u8 } from '../Layout.js';
import { embed } from './embed.js';
import { HvPortInfo } from './HvPortInfo.js';

/** hv_input_create_port (56 bytes) with hv_port_info (24) at 24; `padding` @14 is an unnamed gap. */
export const CreatePortInput = new Layout('hv_input_create_port', 56, [
  u64('portPartitionId', 0),
  u32('portId', 8),
  u8('portVtl', 12),
  u8('minConnectionVtl', 13),
  u64('connectionPartitionId', 16),
  ...embed('portInfo', 24, HvPortInfo),
  u64('proximityDomainInfo', 48),
] as const);

/** Port ids come from an IDR in [1, INT_MAX) (inventory §c.11). */
export const PORT_ID_MIN = 1;
export const PORT_ID_MAX = 0x7fff_ffff;

/**
 * HVCALL_CREATE_PORT (0x0095, simple): ioeventfd doorbell registration, port partition = root,
 * connection partition = guest, DOORBELL on SINT 5, target VP = HV_ANY_VP; 1-page deposit into the
 * port partition per retry.
 */
export const CreatePort = {
  name: 'CREATE_PORT',
  code: HypercallCode.CREATE_PORT,
  kind: 'simple',
  input: CreatePortInput,
  doc: 'Create a doorbell port (ioeventfd registration).',
} as const satisfies HypercallDef;
