import { Layout, reserved, u16, u64 } from '../../Layout.js';

/**
 * struct mshv_root_hvcall (32 bytes), the MSHV_ROOT_HVCALL passthrough argument (inventory §a.4, §d).
 * `reps` is the rep count in and reps completed out; `inSz` and `outSz` ≤ 4096 (`inSz` ≥ 8);
 * `status` must be 0 on input and carries the hypervisor status on output; `rsvd` must be zero.
 *
 * @example
 * MshvRootHvcall.encode(
 *   { code: 0x44, reps: 0, inSz: 16, outSz: 8, status: 0, inPtr: 0x1000n, outPtr: 0x2000n },
 *   new DataView(new ArrayBuffer(32)),
 * );
 */
export const MshvRootHvcall = new Layout('mshv_root_hvcall', 32, [
  u16('code', 0),
  u16('reps', 2),
  u16('inSz', 4),
  u16('outSz', 6),
  u16('status', 8),
  reserved('rsvd', 10, 6),
  u64('inPtr', 16),
  u64('outPtr', 24),
] as const);
