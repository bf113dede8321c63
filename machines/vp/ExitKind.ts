import type { HvMessageTypeName } from '../../src/hv/flags/HvMessageType.js';

/** Why MSHV_RUN_VP returned 0: the intercept message the hypervisor delivered (inventory §c.6, §c.8). */
export const EXIT_KINDS = ['IO_PORT', 'MMIO', 'HALT', 'CPUID', 'MSR', 'UNMAPPED_GPA', 'EXCEPTION'] as const;

/** A typed VP exit. */
export type ExitKind = (typeof EXIT_KINDS)[number];

/**
 * The hypervisor message each exit kind stands for.
 *
 * @example
 * EXIT_MESSAGE.HALT; // 'X64_HALT'
 */
export const EXIT_MESSAGE: Readonly<Record<ExitKind, HvMessageTypeName>> = {
  /** An IN/OUT instruction: the VMM emulates it and advances RIP itself (vmm-lifecycle-rules 9). */
  IO_PORT: 'X64_IO_PORT_INTERCEPT',
  /** An access to a GPA the VMM intercepts (emulated MMIO). */
  MMIO: 'GPA_INTERCEPT',
  /** HLT with no pending interrupt. */
  HALT: 'X64_HALT',
  /** A CPUID leaf the VMM intercepts. */
  CPUID: 'X64_CPUID_INTERCEPT',
  /** An RDMSR/WRMSR the VMM intercepts. */
  MSR: 'X64_MSR_INTERCEPT',
  /** An access to a GPA with no mapping. */
  UNMAPPED_GPA: 'UNMAPPED_GPA',
  /** An exception vector the VMM intercepts. */
  EXCEPTION: 'X64_EXCEPTION_INTERCEPT',
};

/**
 * Whether a value names an exit kind.
 *
 * @example
 * isExitKind('HALT'); // true
 */
export function isExitKind(v: unknown): v is ExitKind {
  return (EXIT_KINDS as readonly unknown[]).includes(v);
}
