import type { HvPage } from '../ports/HvPage.js';

/** The per-CPU hyperv_pcpu_input_arg / hyperv_pcpu_output_arg pages of the CPU the driver runs on. */
export interface CpuPages {
  readonly input: HvPage;
  readonly output: HvPage;
}
