import type { StructLayout } from '../../hv/Layout.js';
import { type IoctlResult, fail } from './IoctlResult.js';

/**
 * Null when every value fits its field of the uapi struct `layout`, else EINVAL naming the first that
 * does not (`mshv_user_irqfd.gsi: -1 does not fit u32`). A DevicePort takes numbers and bigints; the
 * struct the kernel reads cannot carry a negative, fractional or too-wide value, so such an argument
 * never reaches a kernel routine: the native adapter refuses it the same way before the ioctl, and
 * the driver model must not act on a value the real ioctl could not have passed.
 *
 * @example
 * abiFits('MSHV_IRQFD', MshvUserIrqfd, () => ({ fd: 4, resamplefd: 0, gsi: -1, flags: 0 }))?.ok; // false
 */
export function abiFits(
  op: string,
  layout: StructLayout,
  /** Makes the field values (a conversion in it may throw a RangeError, as `s32ToU32` does). */
  values: () => object,
): IoctlResult<never> | null {
  try {
    layout.encode(values() as Readonly<Record<string, unknown>>, new DataView(new ArrayBuffer(layout.size)));
    return null;
  } catch (e) {
    if (e instanceof RangeError) return fail(op, 'EINVAL', e.message);
    throw e;
  }
}
