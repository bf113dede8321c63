import { bytes, Layout } from '../../Layout.js';

/**
 * struct mshv_run_vp (256 bytes = MSHV_RUN_VP_BUF_SZ), the MSHV_RUN_VP argument: the kernel copies
 * the intercepting `struct hv_message` (256 bytes) into `msgBuf` (inventory §a.4).
 *
 * @example
 * MshvRunVp.decode(new DataView(new ArrayBuffer(256))).msgBuf.length; // 256
 */
export const MshvRunVp = new Layout('mshv_run_vp', 256, [bytes('msgBuf', 0, 256)] as const);
