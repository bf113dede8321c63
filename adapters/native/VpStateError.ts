import type { MshvError } from '../../src/pipeline/driver/IoctlResult.js';
import type { VpStateResult } from '../../src/ports/DevicePort.js';

/**
 * A failed MSHV_GET_VP_STATE / MSHV_SET_VP_STATE on the native adapter. The kernel writes the size
 * the state type needs into `buf_sz` before it checks the caller's size (inventory §c.7), so a too
 * small buffer fails with EINVAL and the size to retry with.
 */
export interface VpStateError extends MshvError {
  /**
   * `buf_sz` as the kernel wrote it back: present only when the kernel changed it (the size the
   * state needs, when the caller's buffer was too small), absent when the failure left it as the
   * caller gave it.
   */
  readonly bufSz?: number;
}

/** The answer of a VP state call on the native adapter: the state, or a VpStateError. */
export type VpStateIoctlResult =
  { readonly ok: true; readonly value: VpStateResult } | { readonly ok: false; readonly error: VpStateError };
