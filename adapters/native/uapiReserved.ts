import { MshvCreatePartitionV2 } from '../../src/hv/uapi/structs/MshvCreatePartition.js';
import { MshvGetSetVpState } from '../../src/hv/uapi/structs/MshvGetSetVpState.js';
import { MshvGpapAccessBitmap } from '../../src/hv/uapi/structs/MshvGpapAccessBitmap.js';
import { MshvRootHvcall } from '../../src/hv/uapi/structs/MshvRootHvcall.js';
import { MshvUserIoeventfd } from '../../src/hv/uapi/structs/MshvUserIoeventfd.js';
import { MshvUserIrqTable } from '../../src/hv/uapi/structs/MshvUserIrqTable.js';
import { MshvUserMemRegion } from '../../src/hv/uapi/structs/MshvUserMemRegion.js';
import { reservedSlot } from './reservedSlot.js';

/**
 * The reserved fields a DevicePort caller may set, which the native adapter passes to the kernel as
 * given and the model kernel hands back to the driver model: each one's bytes as its uapi layout
 * declares them (inventory §a.4), shared by NativeDevice and ModelKernel.
 *
 * @example
 * UAPI_RESERVED.memRegion; // { field: 'mshv_user_mem_region.rsvd', offset: 25, size: 7 }
 */
export const UAPI_RESERVED = {
  createPartitionRsvd: reservedSlot(MshvCreatePartitionV2, 'ptRsvd'),
  createPartitionRsvd1: reservedSlot(MshvCreatePartitionV2, 'ptRsvd1'),
  memRegion: reservedSlot(MshvUserMemRegion, 'rsvd'),
  ioeventfd: reservedSlot(MshvUserIoeventfd, 'rsvd'),
  irqTable: reservedSlot(MshvUserIrqTable, 'rsvd'),
  gpapAccessBitmap: reservedSlot(MshvGpapAccessBitmap, 'rsvd'),
  rootHvcall: reservedSlot(MshvRootHvcall, 'rsvd'),
  vpState: reservedSlot(MshvGetSetVpState, 'rsvd'),
} as const;
