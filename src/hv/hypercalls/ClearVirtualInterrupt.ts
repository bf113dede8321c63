import type { HypercallDef } from '../Hypercall.js';
import { HypercallCode } from '../HypercallCode.js';
import { Layout, u64 } from '../Layout.js';

/** Fast8 register input: the partition id. */
export const ClearVirtualInterruptInput = new Layout('hv_input_clear_virtual_interrupt', 8, [
  u64('partitionId', 0),
] as const);

/**
 * HVCALL_CLEAR_VIRTUAL_INTERRUPT (0x0056, fast8): the irqfd resampler acks an ExtINT; on the
 * passthrough allow-list. The seed review flagged the IRQ save/restore around it as unnecessary for
 * a fast call (review point e.10, resolved).
 */
export const ClearVirtualInterrupt = {
  name: 'CLEAR_VIRTUAL_INTERRUPT',
  code: HypercallCode.CLEAR_VIRTUAL_INTERRUPT,
  kind: 'fast8',
  input: ClearVirtualInterruptInput,
  doc: 'Clear a pending ExtINT (irqfd resampler; passthrough).',
} as const satisfies HypercallDef;
