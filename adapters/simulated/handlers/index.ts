import type { Handler } from './Handler.js';
import { AcquireSparseSpaPageHostAccessHandler } from './AcquireSparseSpaPageHostAccess.js';
import { AssertVirtualInterruptHandler } from './AssertVirtualInterrupt.js';
import { ClearVirtualInterruptHandler } from './ClearVirtualInterrupt.js';
import { ConnectPortHandler } from './ConnectPort.js';
import { CreatePartitionHandler } from './CreatePartition.js';
import { CreatePortHandler } from './CreatePort.js';
import { CreateVpHandler } from './CreateVp.js';
import { DeletePartitionHandler } from './DeletePartition.js';
import { DeletePortHandler } from './DeletePort.js';
import { DeleteVpHandler } from './DeleteVp.js';
import { DepositMemoryHandler } from './DepositMemory.js';
import { DisconnectPortHandler } from './DisconnectPort.js';
import { DispatchVpHandler } from './DispatchVp.js';
import { FinalizePartitionHandler } from './FinalizePartition.js';
import { GetGpaPagesAccessStatesHandler } from './GetGpaPagesAccessStates.js';
import { GetPartitionPropertyHandler } from './GetPartitionProperty.js';
import { GetPartitionPropertyExHandler } from './GetPartitionPropertyEx.js';
import { GetSystemPropertyHandler } from './GetSystemProperty.js';
import { GetVpCpuidValuesHandler } from './GetVpCpuidValues.js';
import { GetVpRegistersHandler } from './GetVpRegisters.js';
import { GetVpStateHandler } from './GetVpState.js';
import { InitializePartitionHandler } from './InitializePartition.js';
import { InstallInterceptHandler } from './InstallIntercept.js';
import { MapGpaPagesHandler } from './MapGpaPages.js';
import { MapStatsPageHandler } from './MapStatsPage.js';
import { MapStatsPage2Handler } from './MapStatsPage2.js';
import { MapVpStatePageHandler } from './MapVpStatePage.js';
import { NotifyPortRingEmptyHandler } from './NotifyPortRingEmpty.js';
import { PostMessageDirectHandler } from './PostMessageDirect.js';
import { RegisterInterceptResultHandler } from './RegisterInterceptResult.js';
import { ReleaseSparseSpaPageHostAccessHandler } from './ReleaseSparseSpaPageHostAccess.js';
import { ScrubPartitionHandler } from './ScrubPartition.js';
import { SetPartitionPropertyHandler } from './SetPartitionProperty.js';
import { SetVpRegistersHandler } from './SetVpRegisters.js';
import { SetVpStateHandler } from './SetVpState.js';
import { SignalEventDirectHandler } from './SignalEventDirect.js';
import { TranslateVirtualAddressHandler } from './TranslateVirtualAddress.js';
import { UnmapGpaPagesHandler } from './UnmapGpaPages.js';
import { UnmapStatsPageHandler } from './UnmapStatsPage.js';
import { UnmapVpStatePageHandler } from './UnmapVpStatePage.js';
import { WithdrawMemoryHandler } from './WithdrawMemory.js';

/**
 * The dispatch table: one handler per hypercall the driver issues (inventory §b.4), in code order.
 * SimulatedHypervisor indexes it by code; nothing else looks at codes.
 */
export const HANDLERS: readonly Handler[] = [
  CreatePartitionHandler,
  InitializePartitionHandler,
  FinalizePartitionHandler,
  DeletePartitionHandler,
  GetPartitionPropertyHandler,
  SetPartitionPropertyHandler,
  DepositMemoryHandler,
  WithdrawMemoryHandler,
  MapGpaPagesHandler,
  UnmapGpaPagesHandler,
  InstallInterceptHandler,
  CreateVpHandler,
  DeleteVpHandler,
  GetVpRegistersHandler,
  SetVpRegistersHandler,
  TranslateVirtualAddressHandler,
  ClearVirtualInterruptHandler,
  DeletePortHandler,
  DisconnectPortHandler,
  MapStatsPageHandler,
  UnmapStatsPageHandler,
  GetSystemPropertyHandler,
  NotifyPortRingEmptyHandler,
  ScrubPartitionHandler,
  RegisterInterceptResultHandler,
  AssertVirtualInterruptHandler,
  CreatePortHandler,
  ConnectPortHandler,
  SignalEventDirectHandler,
  PostMessageDirectHandler,
  DispatchVpHandler,
  GetGpaPagesAccessStatesHandler,
  AcquireSparseSpaPageHostAccessHandler,
  ReleaseSparseSpaPageHostAccessHandler,
  MapVpStatePageHandler,
  UnmapVpStatePageHandler,
  GetVpStateHandler,
  SetVpStateHandler,
  GetVpCpuidValuesHandler,
  GetPartitionPropertyExHandler,
  MapStatsPage2Handler,
];
