/**
 * What every exit carries: the x64 intercept header of the hypervisor's message and the 256 bytes
 * MSHV_RUN_VP copied out (hv_message), so nothing the model does not decode is lost.
 */
export interface VpExitHeader {
  /** The VP the message names (hv_x64_intercept_message_header.vp_index). */
  readonly vpIndex: number;
  /** Length of the intercepted instruction: what the VMM adds to RIP to skip it. */
  readonly instructionLength: number;
  readonly rip: bigint;
  readonly rflags: bigint;
  /** The whole hv_message, as MSHV_RUN_VP returned it. */
  readonly message: Uint8Array;
}

/**
 * Why MSHV_RUN_VP returned 0: one variant per intercept message a VMM handles (inventory §c.6, §c.8),
 * told apart by `kind`. A run that was interrupted (EINTR, EAGAIN) is an error, not an exit.
 *
 * @example
 * if (exit.kind === 'IO_PORT' && exit.write) console.log(exit.port, exit.value);
 */
export type VpExit = VpExitHeader &
  /** HVMSG_X64_IO_PORT_INTERCEPT: an IN or OUT; the VMM emulates it and advances RIP itself (vmm-lifecycle-rules 9). */
  (
    | {
        readonly kind: 'IO_PORT';
        readonly port: number;
        readonly write: boolean;
        /** Access size in bytes (1, 2 or 4). */
        readonly size: number;
        /** The data: what an OUT wrote (RAX masked to `size`), or RAX before an IN. */
        readonly value: bigint;
      }
    /** HVMSG_GPA_INTERCEPT: an access to a GPA mapped without that access, emulated by the VMM (MMIO). */
    | { readonly kind: 'MMIO'; readonly gpa: bigint; readonly write: boolean }
    /** HVMSG_X64_HALT: HLT with no interrupt pending. */
    | { readonly kind: 'HALT' }
    /** HVMSG_X64_CPUID_INTERCEPT: a CPUID the VMM answers; `leaf` and `subleaf` are RAX and RCX. */
    | { readonly kind: 'CPUID'; readonly leaf: bigint; readonly subleaf: bigint }
    /** HVMSG_X64_MSR_INTERCEPT: an RDMSR or WRMSR the VMM emulates; `value` is EDX:EAX of a write. */
    | { readonly kind: 'MSR'; readonly msr: number; readonly write: boolean; readonly value: bigint }
    /** HVMSG_UNMAPPED_GPA: an access to a GPA no region maps (how emulated device MMIO reaches a VMM). */
    | { readonly kind: 'UNMAPPED_GPA'; readonly gpa: bigint; readonly write: boolean }
    /** HVMSG_X64_EXCEPTION_INTERCEPT: an exception vector the VMM intercepts. */
    | { readonly kind: 'EXCEPTION'; readonly vector: number }
  );

/** An exit kind: the `kind` of a VpExit. */
export type VpExitKind = VpExit['kind'];
