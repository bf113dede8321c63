import type { PartitionId } from '../../hv/ids.js';
import type { RamRegions } from '../../scenario/Scenario.js';
import type { Executor } from '../Executor.js';
import type { HypercallRecorder } from '../HypercallRecorder.js';
import type { KernelPages } from '../KernelPages.js';
import type { WindowTracker } from '../WindowTracker.js';
import type { Depositor } from '../withDepositRetry.js';
import type { DriverHooks } from './DriverHooks.js';
import type { HostMemory } from './HostMemory.js';
import type { HvShared } from './HvShared.js';
import type { PassthroughExecutor } from './passthroughExecutor.js';

/** Everything a driver routine needs: the composed call path and the host services. */
export interface DriverEnv {
  /** Routed fast/windowed executor with deposit-and-retry for single calls. */
  readonly exec: Executor;
  /** The bare routed executor, without deposit-and-retry (list calls retry in runBatches). */
  readonly execOnce: Executor;
  readonly deposit: Depositor;
  readonly kernel: KernelPages;
  readonly host: HostMemory;
  readonly windows: WindowTracker;
  readonly recorder: HypercallRecorder;
  /** The root partition's own id (deposit target for CREATE_PARTITION and CREATE_PORT). */
  readonly rootPartition: PartitionId;
  /** The scheduler the hypervisor reported at module init (GET_SYSTEM_PROPERTY 15). */
  readonly scheduler: 'lp' | 'lp-smt' | 'core-smt' | 'root';
  /**
   * The hypervisor offers dispatch interrupt injection (`ms_hyperv.ext_features`, CPUID 0x40000003
   * ECX bit 9, read at boot): the irqfd fast path may queue vectors in a VP's register page.
   */
  readonly dispatchInterruptInjection: boolean;
  /**
   * How MSHV_SET_GUEST_MEMORY backs a RAM region (inventory §c.4): `pinned`, or `movable` (NEW's
   * default: mapped no-access, faulted in by MSHV_RUN_VP on GPA intercepts).
   */
  readonly ramRegions: RamRegions;
  readonly hooks: DriverHooks;
  /** Hypervisor-shared pages, the SINT0 slot and its interrupt, time and signals (VP run, VP state). */
  readonly shared: HvShared;
  /** MSHV_ROOT_HVCALL's own-page executor (no per-CPU pages, no window). */
  readonly passthrough: PassthroughExecutor;
}
