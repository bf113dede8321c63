import type { LayoutValues } from '../../hv/Layout.js';
import { MshvCreatePartition, MshvCreatePartitionV2 } from '../../hv/uapi/structs/MshvCreatePartition.js';
import type { MshvUserIoeventfd } from '../../hv/uapi/structs/MshvUserIoeventfd.js';
import type { MshvUserIrqfd } from '../../hv/uapi/structs/MshvUserIrqfd.js';
import { s32ToU32 } from '../../hv/uapi/structs/s32.js';
import type { UserIoeventfd, UserIrqfd } from '../../ports/DevicePort.js';
import type { CreatePartitionArgs } from './createPartition.js';

/**
 * The uapi struct a DevicePort argument travels in, as layout values: what the native adapter
 * encodes for the kernel and what the driver model checks the argument against (`abiFits`), so the
 * two agree on every field. Reserved fields are not among them (each side handles them: the adapter
 * passes them on, the routines judge them). A value a field cannot carry throws a RangeError naming
 * it (an fd outside `__s32`, say).
 *
 * @example
 * const { layout, values } = createPartitionFields({ ptFlags: 3n, ptIsolation: 0n });
 * layout.encode(values, view); // struct mshv_create_partition
 */
export function createPartitionFields(arg: CreatePartitionArgs):
  | { readonly layout: typeof MshvCreatePartition; readonly values: LayoutValues<typeof MshvCreatePartition> }
  | {
      readonly layout: typeof MshvCreatePartitionV2;
      readonly values: LayoutValues<typeof MshvCreatePartitionV2>;
    } {
  const v2 = arg.v2;
  if (v2 === undefined)
    return { layout: MshvCreatePartition, values: { ptFlags: arg.ptFlags, ptIsolation: arg.ptIsolation } };
  return {
    layout: MshvCreatePartitionV2,
    values: {
      ptFlags: arg.ptFlags,
      ptIsolation: arg.ptIsolation,
      ptNumCpuFbanks: v2.numCpuFbanks,
      ptCpuFbanks0: v2.cpuFbanks[0],
      ptCpuFbanks1: v2.cpuFbanks[1],
      ptDisabledXsave: v2.disabledXsave,
    },
  };
}

/**
 * struct mshv_user_irqfd's values: `fd` and `resamplefd` are `__s32`, held as u32 two's complement.
 *
 * @example
 * irqfdFields({ fd: 5, resamplefd: -1, gsi: 24, flags: 0 }).resamplefd; // 0xffffffff
 */
export function irqfdFields(arg: UserIrqfd): LayoutValues<typeof MshvUserIrqfd> {
  return {
    fd: s32ToU32(arg.fd, 'mshv_user_irqfd.fd'),
    resamplefd: s32ToU32(arg.resamplefd, 'mshv_user_irqfd.resamplefd'),
    gsi: arg.gsi,
    flags: arg.flags,
  };
}

/**
 * struct mshv_user_ioeventfd's values (`rsvd` apart): `fd` is `__s32`, held as u32 two's complement.
 *
 * @example
 * ioeventfdFields({ datamatch: 0n, addr: 0xfe000000n, len: 4, fd: -1, flags: 0 }).fd; // 0xffffffff
 */
export function ioeventfdFields(arg: UserIoeventfd): LayoutValues<typeof MshvUserIoeventfd> {
  return {
    datamatch: arg.datamatch,
    addr: arg.addr,
    len: arg.len,
    fd: s32ToU32(arg.fd, 'mshv_user_ioeventfd.fd'),
    flags: arg.flags,
  };
}
