import type { HypercallDef } from '../Hypercall.js';
import { HypercallCode } from '../HypercallCode.js';
import { Layout, u32, u64 } from '../Layout.js';

/** hv_input_dispatch_vp (32 bytes); the driver passes time_slice 0 (run until an event) and spec_ctrl 0. */
export const DispatchVpInput = new Layout('hv_input_dispatch_vp', 32, [
  u64('partitionId', 0),
  u32('vpIndex', 8),
  u32('flags', 12),
  u64('timeSlice', 16),
  u64('specCtrl', 24),
] as const);

/** hv_output_dispatch_vp (8 bytes). */
export const DispatchVpOutput = new Layout('hv_output_dispatch_vp', 8, [
  u32('dispatchState', 0),
  u32('dispatchEvent', 4),
] as const);

/** HV_DISPATCH_VP_FLAG_* the run loop sets (inventory §c.6). */
export const DispatchVpFlag = { CLEAR_INTERCEPT_SUSPEND: 0x1, SCAN_INTERRUPT_INJECTION: 0x40 } as const;
export const VpDispatchState = { INVALID: 0, BLOCKED: 1, READY: 2 } as const;
export const VpDispatchEvent = { INVALID: 0, SUSPEND: 1, INTERCEPT: 2 } as const;

/**
 * HVCALL_DISPATCH_VP (0x00C2, simple): the root-scheduler run loop. It uses its own per-CPU 2-page
 * buffer with preemption (not IRQs) disabled, and zeroes the output first (review point e.8).
 */
export const DispatchVp = {
  name: 'DISPATCH_VP',
  code: HypercallCode.DISPATCH_VP,
  kind: 'simple',
  input: DispatchVpInput,
  output: DispatchVpOutput,
  doc: 'Run a VP until it blocks or intercepts (root scheduler).',
} as const satisfies HypercallDef;
