/**
 * `__s32` fields (file descriptors) are stored in layouts as u32 two's complement: Layout has
 * unsigned kinds only. These two helpers convert at the edge.
 */

/**
 * The u32 bit pattern of a signed 32-bit value. Throws a RangeError naming `what` outside [-2^31, 2^31).
 *
 * @example
 * s32ToU32(-1, 'resamplefd'); // 0xFFFFFFFF
 */
export function s32ToU32(value: number, what = 's32'): number {
  if (!Number.isInteger(value) || value < -(2 ** 31) || value >= 2 ** 31) {
    throw new RangeError(`${what}: ${value} is not a signed 32-bit integer`);
  }
  return value >>> 0;
}

/**
 * The signed value of a u32 bit pattern. Throws a RangeError naming `what` outside [0, 2^32).
 *
 * @example
 * u32ToS32(0xffff_ffff, 'fd'); // -1
 */
export function u32ToS32(value: number, what = 'u32'): number {
  if (!Number.isInteger(value) || value < 0 || value > 0xffff_ffff) {
    throw new RangeError(`${what}: ${value} is not an unsigned 32-bit integer`);
  }
  return value | 0;
}

/**
 * The `__s32` fields of the uapi structs (inventory §a.4), by struct; every other scalar field is
 * unsigned. Their layouts hold them as u32 two's complement: a DevicePort caller gives them signed
 * and they are converted with `s32ToU32` (an fd of -1 reaches the kernel as 0xFFFFFFFF).
 *
 * @example
 * UAPI_S32_FIELDS.mshv_user_irqfd; // ['fd', 'resamplefd']
 */
export const UAPI_S32_FIELDS: Readonly<Record<string, readonly string[]>> = {
  mshv_user_irqfd: ['fd', 'resamplefd'],
  mshv_user_ioeventfd: ['fd'],
  mshv_vtl_set_eventfd: ['fd'],
};
