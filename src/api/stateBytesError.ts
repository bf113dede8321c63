import type { VpStatePart } from '../../machines/vp/VpStatePart.js';
import { HvSyntheticTimersState } from '../hv/hypercalls/GetVpState.js';
import { HV_PAGE_SIZE } from '../hv/Page.js';
import { XSAVE_BUFFER_BYTES } from '../runtime/executeVpStateOp.js';
import {
  HV_REGISTER_VALUE_BYTES,
  HV_X64_REGISTER_GROUP,
  type HvX64RegisterGroup,
} from '../hv/flags/HvX64Register.js';
import { type HostError, argumentError } from './HostError.js';

/** Bytes of each fixed-size state page part (inventory §c.7, facts `limits.vp_state_sizes`). */
const STATE_PAGE_PART_BYTES: Readonly<Partial<Record<VpStatePart, number>>> = {
  LAPIC: HV_PAGE_SIZE,
  SIMP: HV_PAGE_SIZE,
  SIEFP: HV_PAGE_SIZE,
  SYNTHETIC_TIMERS: HvSyntheticTimersState.size,
};

/** The most XSAVE bytes a write takes: the runtime's state buffer for XSAVE. */
export const XSAVE_BYTES_MAX = XSAVE_BUFFER_BYTES;

/**
 * Why `bytes` cannot be part `part` of a VP's state, or undefined when it can: a register group is 16
 * bytes per register of the group; LAPIC, SIMP and SIEFP are one page and SYNTHETIC_TIMERS 200 bytes
 * (inventory §c.7); XSAVE is the partition's MAX_XSAVE_DATA_SIZE, which only the hypervisor knows, so a
 * write takes 1 to 3 pages' worth and the driver reads that size from the zero-filled buffer. A
 * length the part cannot have is refused rather than cut or padded.
 *
 * @example
 * stateBytesError('vp.setState', 'LAPIC', 0); // EINVAL: bytes: 0 bytes; LAPIC takes 4096 (stateSize)
 */
export function stateBytesError(op: string, part: VpStatePart, length: number): HostError | undefined {
  if (part === 'XSAVE') {
    if (length >= 1 && length <= XSAVE_BYTES_MAX) return undefined;
    return argumentError(
      op,
      'bytes',
      'stateSize',
      `${length} bytes; XSAVE takes 1 to ${XSAVE_BYTES_MAX} (the partition's MAX_XSAVE_DATA_SIZE)`,
    );
  }
  const page = STATE_PAGE_PART_BYTES[part];
  if (page !== undefined)
    return length === page
      ? undefined
      : argumentError(op, 'bytes', 'stateSize', `${length} bytes; ${part} takes ${page} (inventory §c.7)`);
  const want = HV_X64_REGISTER_GROUP[part as HvX64RegisterGroup].length * HV_REGISTER_VALUE_BYTES;
  return length === want
    ? undefined
    : argumentError(
        op,
        'bytes',
        'registerGroupSize',
        `${length} bytes; ${part} takes ${want} (16 per register)`,
      );
}
