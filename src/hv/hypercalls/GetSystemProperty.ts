import type { HypercallDef } from '../Hypercall.js';
import { HypercallCode } from '../HypercallCode.js';
import { Layout, reserved, u32, u64 } from '../Layout.js';

/** hv_input_get_system_property (16 bytes). */
export const GetSystemPropertyInput = new Layout('hv_input_get_system_property', 16, [
  u32('propertyId', 0),
  reserved('reserved', 4, 4),
  u64('value', 8),
] as const);

/** The scheduler type, the only output field the driver reads. */
export const GetSystemPropertyOutput = new Layout('hv_output_get_system_property', 4, [
  u32('schedulerType', 0),
] as const);

/** HVCALL_GET_SYSTEM_PROPERTY (0x007B, simple): module init on the root asks for the scheduler type. */
export const GetSystemProperty = {
  name: 'GET_SYSTEM_PROPERTY',
  code: HypercallCode.GET_SYSTEM_PROPERTY,
  kind: 'simple',
  input: GetSystemPropertyInput,
  output: GetSystemPropertyOutput,
  doc: 'Read a hypervisor system property (scheduler type at module init).',
} as const satisfies HypercallDef;
