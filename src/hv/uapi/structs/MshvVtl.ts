import { Layout, reserved, u32, u64, u8 } from '../../Layout.js';

/*
 * Argument structs of the mshv_vtl driver's ioctls (inventory §a.2, §a.4). They share the uapi
 * header and the 0xB8 type with mshv_root but belong to a different driver; modelled so every 0xB8
 * request decodes and its size is computed, not typed in. `__s32` fds are held as u32 two's
 * complement (./s32.ts).
 */

/**
 * struct mshv_vp_registers (16 bytes): MSHV_GET_VP_REGISTERS / MSHV_SET_VP_REGISTERS.
 *
 * @example
 * MshvVpRegisters.encode({ count: 1, regsPtr: 0x1000n }, new DataView(new ArrayBuffer(16)));
 */
export const MshvVpRegisters = new Layout('mshv_vp_registers', 16, [
  u32('count', 0),
  reserved('reserved', 4, 4),
  u64('regsPtr', 8),
] as const);

/** struct mshv_vtl_set_eventfd (8 bytes): MSHV_SINT_SET_EVENTFD; `fd` is `__s32`. */
export const MshvVtlSetEventfd = new Layout('mshv_vtl_set_eventfd', 8, [
  u32('fd', 0),
  u32('flag', 4),
] as const);

/** struct mshv_vtl_signal_event (8 bytes): MSHV_SINT_SIGNAL_EVENT. */
export const MshvVtlSignalEvent = new Layout('mshv_vtl_signal_event', 8, [
  u32('connectionId', 0),
  u32('flag', 4),
] as const);

/** struct mshv_vtl_sint_post_msg (24 bytes): MSHV_SINT_POST_MESSAGE. */
export const MshvVtlSintPostMsg = new Layout('mshv_vtl_sint_post_msg', 24, [
  u64('messageType', 0),
  u32('connectionId', 8),
  u32('payloadSize', 12),
  u64('payloadPtr', 16),
] as const);

/** struct mshv_vtl_ram_disposition (16 bytes): MSHV_ADD_VTL0_MEMORY. */
export const MshvVtlRamDisposition = new Layout('mshv_vtl_ram_disposition', 16, [
  u64('startPfn', 0),
  u64('lastPfn', 8),
] as const);

/** struct mshv_vtl_set_poll_file (8 bytes): MSHV_SET_POLL_FILE (`fd` is `__u32` here). */
export const MshvVtlSetPollFile = new Layout('mshv_vtl_set_poll_file', 8, [
  u32('cpu', 0),
  u32('fd', 4),
] as const);

/** struct mshv_vtl_hvcall_setup (16 bytes): MSHV_HVCALL_SETUP. */
export const MshvVtlHvcallSetup = new Layout('mshv_vtl_hvcall_setup', 16, [
  u64('bitmapArraySize', 0),
  u64('allowBitmapPtr', 8),
] as const);

/** struct mshv_vtl_hvcall (48 bytes, six u64): MSHV_HVCALL. */
export const MshvVtlHvcall = new Layout('mshv_vtl_hvcall', 48, [
  u64('control', 0),
  u64('inputSize', 8),
  u64('inputPtr', 16),
  u64('status', 24),
  u64('outputSize', 32),
  u64('outputPtr', 40),
] as const);

/** struct mshv_sint_mask (8 bytes): MSHV_SINT_PAUSE_MESSAGE_STREAM. */
export const MshvSintMask = new Layout('mshv_sint_mask', 8, [
  u8('mask', 0),
  reserved('reserved', 1, 7),
] as const);
