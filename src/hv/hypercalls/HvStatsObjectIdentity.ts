import { Layout, reserved, u16, u32, u64, u8 } from '../Layout.js';

/**
 * hv_stats_object_identity (16 bytes), modelled as its `vp` variant. The other variants fit inside
 * it: partition = partitionId + stats_area_type with the rest zero; LP = lp_index in the low 32 bits
 * of partitionId; hypervisor = all zero. Byte 14 is reserved in every variant.
 */
export const HvStatsObjectIdentity = new Layout('hv_stats_object_identity.vp', 16, [
  u64('partitionId', 0),
  u32('vpIndex', 8),
  u16('flags', 12),
  reserved('reserved', 14, 1),
  u8('statsAreaType', 15),
] as const);
