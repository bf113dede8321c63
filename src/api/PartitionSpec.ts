/** MSHV_PT_BIT_* names: the partition flags of MSHV_CREATE_PARTITION (inventory §a.5). */
export type PartitionFlag =
  | 'LAPIC'
  | 'X2APIC'
  | 'GPA_SUPER_PAGES'
  | 'CPU_AND_XSAVE_FEATURES'
  | 'NESTED_VIRTUALIZATION'
  | 'SMT_ENABLED_GUEST';

/**
 * What `host.createPartition` takes (struct mshv_create_partition, and the v2 tail when
 * CPU_AND_XSAVE_FEATURES is among the flags).
 *
 * @example
 * host.createPartition({ name: 'vm0', flags: ['LAPIC', 'X2APIC', 'GPA_SUPER_PAGES'] });
 */
export interface PartitionSpec {
  /** Unique within the host: letters, digits, `.`, `_`, `-`, at most 64. Default `vm<n>`. */
  readonly name?: string;
  /** pt_flags by name; GPA_SUPER_PAGES lets the hypervisor map 2 MiB pages. */
  readonly flags: readonly PartitionFlag[];
  /** v2 pt_cpu_fbanks: processor-feature banks to disable (needs CPU_AND_XSAVE_FEATURES). */
  readonly disabledCpuFeatures?: readonly [bigint, bigint];
  /** v2 pt_disabled_xsave: xsave features to disable (needs CPU_AND_XSAVE_FEATURES). */
  readonly disabledXsave?: bigint;
}

/** The intercepts `installIntercept` knows (hv_intercept_type). */
export type InterceptKind = 'X64_IO_PORT' | 'X64_MSR' | 'X64_CPUID' | 'X64_EXCEPTION' | 'MMIO';
