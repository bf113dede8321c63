import { Layout, u32 } from '../../Layout.js';

/**
 * struct mshv_create_vp (4 bytes), the MSHV_CREATE_VP argument; `vpIndex` < MSHV_MAX_VPS (256).
 *
 * @example
 * MshvCreateVp.encode({ vpIndex: 0 }, new DataView(new ArrayBuffer(4)));
 */
export const MshvCreateVp = new Layout('mshv_create_vp', 4, [u32('vpIndex', 0)] as const);
