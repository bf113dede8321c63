import type { PartitionId } from '../../hv/ids.js';
import { partitionId } from '../../hv/ids.js';

/** struct hv_message: a 16-byte header then a 240-byte payload (facts `hv_message`). */
export const HV_MESSAGE_BYTES = 256;
/** Offset of `u.payload` in struct hv_message. */
export const HV_MESSAGE_PAYLOAD_OFFSET = 16;
export const HV_MESSAGE_PAYLOAD_BYTES = 240;

/** The header fields of one hv_message the ISR reads (hv_message_header, facts). */
export interface HvMessageView {
  readonly type: number;
  readonly payloadSize: number;
  /** message_flags.msg_pending (bit 0 of the byte at 5). */
  readonly msgPending: boolean;
  /** header.sender: the partition id for intercepts. */
  readonly sender: PartitionId;
  /** The whole message, for payload reads. */
  readonly view: DataView;
}

/**
 * Decode the header of a 256-byte hv_message; throws a RangeError naming the size when it is not one.
 *
 * @example
 * hvMessage(bytes).type === HVMSG.OPAQUE_INTERCEPT;
 */
export function hvMessage(bytes: Uint8Array): HvMessageView {
  if (bytes.length !== HV_MESSAGE_BYTES)
    throw new RangeError(`hv_message: ${bytes.length} bytes, want ${HV_MESSAGE_BYTES}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  return {
    type: view.getUint32(0, true),
    payloadSize: view.getUint8(4),
    msgPending: (view.getUint8(5) & 1) === 1,
    sender: partitionId(view.getBigUint64(8, true)),
    view,
  };
}
