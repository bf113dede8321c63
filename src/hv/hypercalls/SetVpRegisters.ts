import type { HypercallDef } from '../Hypercall.js';
import { HypercallCode } from '../HypercallCode.js';
import { Layout, reserved, u32, u64, u8 } from '../Layout.js';
import { HvRegisterAssoc } from './HvRegisterAssoc.js';

/** hv_input_set_vp_registers (16-byte header) followed by 32-byte hv_register_assoc elements. */
export const SetVpRegistersInput = new Layout('hv_input_set_vp_registers', 16, [
  u64('partitionId', 0),
  u32('vpIndex', 8),
  u8('inputVtl', 12),
  reserved('rsvdZ8', 13, 1),
  reserved('rsvdZ16', 14, 2),
] as const);

/** HV_SET_REGISTER_BATCH_SIZE = (4096 − 16) / 32 = 127 hv_register_assoc elements per input page. */
export const SET_VP_REGISTERS_REPS_MAX = 127;

/**
 * HVCALL_SET_VP_REGISTERS (0x0051, rep): batch 127 = (4096 − 16) / 32, rounded down from 127.5. The
 * run loop clears INTERCEPT_SUSPEND before EXPLICIT_SUSPEND in one call (inventory §c.6).
 */
export const SetVpRegisters = {
  name: 'SET_VP_REGISTERS',
  code: HypercallCode.SET_VP_REGISTERS,
  kind: 'rep',
  input: SetVpRegistersInput,
  inputElement: { name: 'registerAssoc', size: HvRegisterAssoc.size, layout: HvRegisterAssoc },
  doc: 'Write VP registers (suspend/resume; passthrough).',
} as const satisfies HypercallDef;
