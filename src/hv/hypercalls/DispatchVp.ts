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

/** hv_output_dispatch_vp (8 bytes): HV_VP_DISPATCH_STATE and HV_VP_DISPATCH_EVENT (src/hv/flags). */
export const DispatchVpOutput = new Layout('hv_output_dispatch_vp', 8, [
  u32('dispatchState', 0),
  u32('dispatchEvent', 4),
] as const);

/**
 * HVCALL_DISPATCH_VP (0x00C2, simple): the root-scheduler run loop. It uses its own per-CPU 2-page
 * buffer with preemption (not IRQs) disabled, and zeroes the output first (review point e.8). The
 * model does not zero it: the hypervisor writes the whole output on success and the driver reads
 * none on failure, so nothing it reads would differ.
 */
export const DispatchVp = {
  name: 'DISPATCH_VP',
  code: HypercallCode.DISPATCH_VP,
  kind: 'simple',
  input: DispatchVpInput,
  output: DispatchVpOutput,
  doc: 'Run a VP until it blocks or intercepts (root scheduler).',
} as const satisfies HypercallDef;
