import type { StructLayout } from '../../Layout.js';
import { MshvCreatePartition, MshvCreatePartitionV2 } from './MshvCreatePartition.js';
import { MshvCreateVp } from './MshvCreateVp.js';
import { MshvGetSetVpState } from './MshvGetSetVpState.js';
import { MshvGpapAccessBitmap } from './MshvGpapAccessBitmap.js';
import { MshvRootHvcall } from './MshvRootHvcall.js';
import { MshvRunVp } from './MshvRunVp.js';
import { MshvUserIoeventfd } from './MshvUserIoeventfd.js';
import { MshvUserIrqEntry, MshvUserIrqTable } from './MshvUserIrqTable.js';
import { MshvUserIrqfd } from './MshvUserIrqfd.js';
import { MshvUserMemRegion } from './MshvUserMemRegion.js';
import {
  MshvSintMask,
  MshvVpRegisters,
  MshvVtlHvcall,
  MshvVtlHvcallSetup,
  MshvVtlRamDisposition,
  MshvVtlSetEventfd,
  MshvVtlSetPollFile,
  MshvVtlSignalEvent,
  MshvVtlSintPostMsg,
} from './MshvVtl.js';

const all: readonly StructLayout[] = [
  MshvCreatePartition,
  MshvCreatePartitionV2,
  MshvCreateVp,
  MshvUserMemRegion,
  MshvUserIrqfd,
  MshvUserIoeventfd,
  MshvUserIrqEntry,
  MshvUserIrqTable,
  MshvGpapAccessBitmap,
  MshvRootHvcall,
  MshvRunVp,
  MshvGetSetVpState,
  MshvVpRegisters,
  MshvVtlSetEventfd,
  MshvVtlSignalEvent,
  MshvVtlSintPostMsg,
  MshvVtlRamDisposition,
  MshvVtlSetPollFile,
  MshvVtlHvcallSetup,
  MshvVtlHvcall,
  MshvSintMask,
];

/**
 * Every uapi struct layout, keyed by its C name (without `struct`).
 *
 * @example
 * UAPI_STRUCTS.get('mshv_run_vp')?.size; // 256
 */
export const UAPI_STRUCTS: ReadonlyMap<string, StructLayout> = new Map(all.map((l) => [l.name, l]));
