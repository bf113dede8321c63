/** hv_message: message_type u32 @0; the payload @16 starts with hv_x64_intercept_message_header, rip @24. */
const INTERCEPT_RIP_OFFSET = 16 + 24;

/** What an intercept message says of where the VP stopped. */
export interface InterceptAt {
  /** The HVMSG type (HVMSG.X64_IO_PORT_INTERCEPT, …). */
  readonly type: number;
  /** The RIP the intercept header reports: the instruction that exited. */
  readonly rip: bigint;
}

/**
 * The type and RIP of an intercept message (a VP's last one, as the hypervisor delivered it), or
 * undefined when there is none. Read-only: the bytes are not copied or changed.
 *
 * @example
 * lastIntercept(hvVp.lastMessage); // { type: 0x80010000, rip: 0x1000n } after an IO_PORT exit at 0x1000
 */
export function lastIntercept(message: Uint8Array | null): InterceptAt | undefined {
  if (message === null || message.byteLength < INTERCEPT_RIP_OFFSET + 8) return undefined;
  const view = new DataView(message.buffer, message.byteOffset, message.byteLength);
  return { type: view.getUint32(0, true), rip: view.getBigUint64(INTERCEPT_RIP_OFFSET, true) };
}
