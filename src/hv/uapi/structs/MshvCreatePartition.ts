import { Layout, reserved, u16, u64 } from '../../Layout.js';

/**
 * struct mshv_create_partition (16 bytes), the MSHV_CREATE_PARTITION argument (inventory §a.4).
 * The request number always encodes this v1 size, even when the caller passes the v2 struct.
 *
 * @example
 * MshvCreatePartition.encode({ ptFlags: 0b11n, ptIsolation: 0n }, new DataView(new ArrayBuffer(16)));
 */
export const MshvCreatePartition = new Layout('mshv_create_partition', 16, [
  u64('ptFlags', 0),
  u64('ptIsolation', 8),
] as const);

/**
 * struct mshv_create_partition_v2 (64 bytes, packed; NEW). The kernel reads it through the same
 * pointer when `pt_flags` has MSHV_PT_BIT_CPU_AND_XSAVE_FEATURES (§c.2). `ptNumCpuFbanks` must be
 * MSHV_NUM_CPU_FEATURES_BANKS (2); the two banks and the xsave word are *disabled*-feature masks.
 * On x86-64 the last word is `pt_disabled_xsave`; on other architectures it is `pt_rsvd2` (MBZ).
 *
 * @example
 * const view = new DataView(new ArrayBuffer(64));
 * MshvCreatePartitionV2.encode(
 *   { ptFlags: 0b1000n, ptIsolation: 0n, ptNumCpuFbanks: 2, ptCpuFbanks0: 0n, ptCpuFbanks1: 0n, ptDisabledXsave: 0n },
 *   view,
 * );
 */
export const MshvCreatePartitionV2 = new Layout('mshv_create_partition_v2', 64, [
  u64('ptFlags', 0),
  u64('ptIsolation', 8),
  u16('ptNumCpuFbanks', 16),
  reserved('ptRsvd', 18, 6),
  u64('ptCpuFbanks0', 24),
  u64('ptCpuFbanks1', 32),
  reserved('ptRsvd1', 40, 16),
  u64('ptDisabledXsave', 56),
] as const);
