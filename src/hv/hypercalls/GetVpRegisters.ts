import type { HypercallDef } from '../Hypercall.js';
import { HypercallCode } from '../HypercallCode.js';
import { Layout, reserved, u32, u64, u8 } from '../Layout.js';

/** hv_input_get_vp_registers (16-byte header) followed by u32 register names. */
export const GetVpRegistersInput = new Layout('hv_input_get_vp_registers', 16, [
  u64('partitionId', 0),
  u32('vpIndex', 8),
  u8('inputVtl', 12),
  reserved('rsvdZ8', 13, 1),
  reserved('rsvdZ16', 14, 2),
] as const);

/** HV_GET_REGISTER_BATCH_SIZE = 4096 / 16 = 256 register values per output page. */
export const GET_VP_REGISTERS_REPS_MAX = 256;

/**
 * HVCALL_GET_VP_REGISTERS (0x0050, rep): batch 256 = 4096/16, bounded by the 16-byte output values,
 * not by the 4-byte names (1020 fit the input page). The wrapper writes every header field
 * explicitly instead of zeroing the page (review point e.2).
 */
export const GetVpRegisters = {
  name: 'GET_VP_REGISTERS',
  code: HypercallCode.GET_VP_REGISTERS,
  kind: 'rep',
  input: GetVpRegistersInput,
  inputElement: { name: 'registerName', size: 4 },
  outputElement: { name: 'registerValue', size: 16 },
  doc: 'Read VP registers (suspend logic, signal count; passthrough).',
} as const satisfies HypercallDef;
