import { MSHV_MAX_GUEST_IRQS } from '../../hv/uapi/flags.js';
import type { UserIrqEntry } from '../../ports/DevicePort.js';
import type { DriverEnv } from './DriverEnv.js';
import { type IoctlResult, fail, ok } from './IoctlResult.js';
import type { KernelPartition, MsiRoute } from './KernelPartition.js';

export const SET_MSI_ROUTING = 'MSHV_SET_MSI_ROUTING';

/**
 * MSHV_SET_MSI_ROUTING (inventory §c.11, §d): nr ≤ 4096 and rsvd = 0; per entry gsi < 4096 and
 * address_hi = 0; no gsi twice. The table is replaced whole and only once every check passed, so a
 * rejected table leaves the old one in place; nr = 0 installs the empty (null) table. No hypercall:
 * irqfds read their route from the table when they inject, which is what the kernel's refresh of
 * every irqfd's cached route on swap amounts to.
 *
 * Duplicate gsi 0: the kernel as first merged tested `guest_irq_num != 0` and so let a second gsi-0
 * entry overwrite the first; the upstream fix tests `girq_entry_valid`. The model follows the fix.
 *
 * @example
 * setMsiRouting(env, pt, [{ gsi: 5, addressLo: 0xfee0_1000, addressHi: 0, data: 0x4031 }], 0);
 */
export function setMsiRouting(
  _env: DriverEnv,
  pt: KernelPartition,
  entries: readonly UserIrqEntry[],
  rsvd: number,
): IoctlResult<void> {
  const op = SET_MSI_ROUTING;
  if (entries.length > MSHV_MAX_GUEST_IRQS)
    return fail(op, 'EINVAL', `nr ${entries.length} > MSHV_MAX_GUEST_IRQS (4096)`);
  if (rsvd !== 0) return fail(op, 'EINVAL', 'rsvd is not zero');
  if (entries.length === 0) {
    pt.msiRouting = null;
    return ok(undefined);
  }
  for (const [i, e] of entries.entries()) {
    if (!Number.isInteger(e.gsi) || e.gsi < 0 || e.gsi >= MSHV_MAX_GUEST_IRQS)
      return fail(op, 'EINVAL', `entries[${i}].gsi ${e.gsi} >= MSHV_MAX_GUEST_IRQS (4096)`);
    if (e.addressHi !== 0) return fail(op, 'EINVAL', `entries[${i}].address_hi is not zero`);
    // The struct's __u32 fields: a value outside them cannot reach the kernel (the native adapter
    // refuses it the same way before the ioctl).
    for (const [field, v] of [
      ['address_lo', e.addressLo],
      ['data', e.data],
    ] as const)
      if (!Number.isInteger(v) || v < 0 || v > 0xffff_ffff)
        return fail(op, 'EINVAL', `entries[${i}].${field} ${v} does not fit u32 (mshv_user_irq_entry)`);
  }
  const byGsi = new Map<number, MsiRoute>();
  for (const [i, e] of entries.entries()) {
    if (byGsi.has(e.gsi)) return fail(op, 'EINVAL', `entries[${i}].gsi ${e.gsi} is routed twice`);
    byGsi.set(e.gsi, { gsi: e.gsi, addressLo: e.addressLo, addressHi: e.addressHi, data: e.data });
  }
  pt.msiRouting = [...byGsi.values()].sort((a, b) => a.gsi - b.gsi);
  return ok(undefined);
}
