import type { HypercallDef } from '../Hypercall.js';
import { CreatePartition } from './CreatePartition.js';
import { InitializePartition } from './InitializePartition.js';
import { FinalizePartition } from './FinalizePartition.js';
import { DeletePartition } from './DeletePartition.js';
import { GetPartitionProperty } from './GetPartitionProperty.js';
import { SetPartitionProperty } from './SetPartitionProperty.js';
import { DepositMemory } from './DepositMemory.js';
import { WithdrawMemory } from './WithdrawMemory.js';
import { MapGpaPages } from './MapGpaPages.js';
import { UnmapGpaPages } from './UnmapGpaPages.js';
import { InstallIntercept } from './InstallIntercept.js';
import { CreateVp } from './CreateVp.js';
import { DeleteVp } from './DeleteVp.js';
import { GetVpRegisters } from './GetVpRegisters.js';
import { SetVpRegisters } from './SetVpRegisters.js';
import { TranslateVirtualAddress } from './TranslateVirtualAddress.js';
import { ClearVirtualInterrupt } from './ClearVirtualInterrupt.js';
import { DeletePort } from './DeletePort.js';
import { DisconnectPort } from './DisconnectPort.js';
import { MapStatsPage } from './MapStatsPage.js';
import { UnmapStatsPage } from './UnmapStatsPage.js';
import { GetSystemProperty } from './GetSystemProperty.js';
import { NotifyPortRingEmpty } from './NotifyPortRingEmpty.js';
import { ScrubPartition } from './ScrubPartition.js';
import { RegisterInterceptResult } from './RegisterInterceptResult.js';
import { AssertVirtualInterrupt } from './AssertVirtualInterrupt.js';
import { CreatePort } from './CreatePort.js';
import { ConnectPort } from './ConnectPort.js';
import { SignalEventDirect } from './SignalEventDirect.js';
import { PostMessageDirect } from './PostMessageDirect.js';
import { DispatchVp } from './DispatchVp.js';
import { GetGpaPagesAccessStates } from './GetGpaPagesAccessStates.js';
import { AcquireSparseSpaPageHostAccess } from './AcquireSparseSpaPageHostAccess.js';
import { ReleaseSparseSpaPageHostAccess } from './ReleaseSparseSpaPageHostAccess.js';
import { MapVpStatePage } from './MapVpStatePage.js';
import { UnmapVpStatePage } from './UnmapVpStatePage.js';
import { GetVpState } from './GetVpState.js';
import { SetVpState } from './SetVpState.js';
import { GetVpCpuidValues } from './GetVpCpuidValues.js';
import { GetPartitionPropertyEx } from './GetPartitionPropertyEx.js';
import { MapStatsPage2 } from './MapStatsPage2.js';

export * from './AcquireSparseSpaPageHostAccess.js';
export * from './AssertVirtualInterrupt.js';
export * from './ClearVirtualInterrupt.js';
export * from './ConnectPort.js';
export * from './CreatePartition.js';
export * from './CreatePort.js';
export * from './CreateVp.js';
export * from './DeletePartition.js';
export * from './DeletePort.js';
export * from './DeleteVp.js';
export * from './DepositMemory.js';
export * from './DisconnectPort.js';
export * from './DispatchVp.js';
export * from './embed.js';
export * from './FinalizePartition.js';
export * from './GetGpaPagesAccessStates.js';
export * from './GetPartitionProperty.js';
export * from './GetPartitionPropertyEx.js';
export * from './GetSystemProperty.js';
export * from './GetVpCpuidValues.js';
export * from './GetVpRegisters.js';
export * from './GetVpState.js';
export * from './HvConnectionInfo.js';
export * from './HvPortInfo.js';
export * from './HvRegisterAssoc.js';
export * from './HvStatsObjectIdentity.js';
export * from './HvVpStateData.js';
export * from './InitializePartition.js';
export * from './InstallIntercept.js';
export * from './MapGpaPages.js';
export * from './MapStatsPage.js';
export * from './MapStatsPage2.js';
export * from './MapVpStatePage.js';
export * from './ModifySparseSpaPageHostAccessInput.js';
export * from './NotifyPortRingEmpty.js';
export * from './PostMessageDirect.js';
export * from './RegisterInterceptResult.js';
export * from './ReleaseSparseSpaPageHostAccess.js';
export * from './ScrubPartition.js';
export * from './SetPartitionProperty.js';
export * from './SetVpRegisters.js';
export * from './SetVpState.js';
export * from './SignalEventDirect.js';
export * from './TranslateVirtualAddress.js';
export * from './UnmapGpaPages.js';
export * from './UnmapStatsPage.js';
export * from './UnmapVpStatePage.js';
export * from './WithdrawMemory.js';

/**
 * Every hypercall the mshv_root driver issues, directly or through the passthrough allow-list (inventory
 * §b.4), in code order.
 */
export const HYPERCALL_DEFS: readonly HypercallDef[] = [
  CreatePartition,
  InitializePartition,
  FinalizePartition,
  DeletePartition,
  GetPartitionProperty,
  SetPartitionProperty,
  DepositMemory,
  WithdrawMemory,
  MapGpaPages,
  UnmapGpaPages,
  InstallIntercept,
  CreateVp,
  DeleteVp,
  GetVpRegisters,
  SetVpRegisters,
  TranslateVirtualAddress,
  ClearVirtualInterrupt,
  DeletePort,
  DisconnectPort,
  MapStatsPage,
  UnmapStatsPage,
  GetSystemProperty,
  NotifyPortRingEmpty,
  ScrubPartition,
  RegisterInterceptResult,
  AssertVirtualInterrupt,
  CreatePort,
  ConnectPort,
  SignalEventDirect,
  PostMessageDirect,
  DispatchVp,
  GetGpaPagesAccessStates,
  AcquireSparseSpaPageHostAccess,
  ReleaseSparseSpaPageHostAccess,
  MapVpStatePage,
  UnmapVpStatePage,
  GetVpState,
  SetVpState,
  GetVpCpuidValues,
  GetPartitionPropertyEx,
  MapStatsPage2,
];

const byCode = new Map<number, HypercallDef>(HYPERCALL_DEFS.map((d) => [d.code, d]));

/**
 * The definition for a call code, or undefined for a code the driver never issues.
 *
 * @example
 * hypercallDefByCode(0x004b)?.name; // 'MAP_GPA_PAGES'
 */
export function hypercallDefByCode(code: number): HypercallDef | undefined {
  return byCode.get(code);
}
