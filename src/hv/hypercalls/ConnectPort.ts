import type { HypercallDef } from '../Hypercall.js';
import { HypercallCode } from '../HypercallCode.js';
import { Layout, reserved, u32, u64, u8 } from '../Layout.js';
import { embed } from './embed.js';
import { HvConnectionInfo } from './HvConnectionInfo.js';

/** hv_input_connect_port (72 bytes) with hv_connection_info (32) at 32. */
export const ConnectPortInput = new Layout('hv_input_connect_port', 72, [
  u64('connectionPartitionId', 0),
  u32('connectionId', 8),
  u8('connectionVtl', 12),
  reserved('rsvdz0', 13, 1),
  reserved('rsvdz1', 14, 2),
  u64('portPartitionId', 16),
  u32('portId', 24),
  reserved('reserved2', 28, 4),
  ...embed('connectionInfo', 32, HvConnectionInfo),
  u64('proximityDomainInfo', 64),
] as const);

/**
 * HVCALL_CONNECT_PORT (0x0096, simple): second step of doorbell registration (connection id = port
 * id); 1-page deposit into the connection partition (the guest) per retry. A failure unwinds with
 * DELETE_PORT.
 */
export const ConnectPort = {
  name: 'CONNECT_PORT',
  code: HypercallCode.CONNECT_PORT,
  kind: 'simple',
  input: ConnectPortInput,
  doc: 'Connect a guest to a doorbell port (ioeventfd registration).',
} as const satisfies HypercallDef;
