import type { HvPage } from './HvPage.js';

/**
 * The hypercall-level boundary (design.md, "Layers and ports"): what the root partition's kernel
 * sees of the hypervisor. The simulated hypervisor implements it; the driver model (src/pipeline)
 * calls it. Values are the raw 64-bit words the hypercall instruction passes, so a recording of
 * these calls is a byte-exact log of the boundary.
 */
export interface HypervisorPort {
  /**
   * A slow (memory-based) hypercall: the hypervisor reads `input` and writes `output`, then returns
   * the status word. `input`/`output` are the caller's pages (the per-CPU pages, or the passthrough
   * path's own pages); null where the call passes none.
   */
  hypercall(control: bigint, input: HvPage | null, output: HvPage | null): bigint;
  /** A fast hypercall with 8 bytes of register input (RDX). */
  fastHypercall8(control: bigint, input: bigint): bigint;
  /** A fast hypercall with 16 bytes of register input (RDX, R8). */
  fastHypercall16(control: bigint, input0: bigint, input1: bigint): bigint;
}
