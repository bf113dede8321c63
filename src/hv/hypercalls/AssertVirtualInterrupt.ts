import type { HypercallDef } from '../Hypercall.js';
import { HypercallCode } from '../HypercallCode.js';
import { Layout, reserved, u32, u64, u8 } from '../Layout.js';

/**
 * hv_input_assert_virtual_interrupt (32 bytes). `control` packs the interrupt type, level and logical
 * destination from the MSI route; `destAddr` is the APIC id.
 */
export const AssertVirtualInterruptInput = new Layout('hv_input_assert_virtual_interrupt', 32, [
  u64('partitionId', 0),
  u64('control', 8),
  u64('destAddr', 16),
  u32('vector', 24),
  u8('targetVtl', 28),
  reserved('rsvdZ0', 29, 1),
  reserved('rsvdZ1', 30, 2),
] as const);

/**
 * HVCALL_ASSERT_VIRTUAL_INTERRUPT (0x0094, simple): irqfd injection slow path (no root-scheduler fast
 * path, or the VP is dispatched with a non-empty vector list); on the passthrough allow-list.
 */
export const AssertVirtualInterrupt = {
  name: 'ASSERT_VIRTUAL_INTERRUPT',
  code: HypercallCode.ASSERT_VIRTUAL_INTERRUPT,
  kind: 'simple',
  input: AssertVirtualInterruptInput,
  doc: 'Inject an interrupt into a guest VP (irqfd slow path; passthrough).',
} as const satisfies HypercallDef;
