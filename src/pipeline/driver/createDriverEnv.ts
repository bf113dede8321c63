import type { PartitionId } from '../../hv/ids.js';
import type { HypervisorPort } from '../../ports/HypervisorPort.js';
import type { CpuPages } from '../CpuPages.js';
import { guardCpuPages } from '../guardCpuPages.js';
import { type DepositLedger, depositPages } from '../depositPages.js';
import type { Executor } from '../Executor.js';
import { fastExecutor } from '../fastExecutor.js';
import type { InputFiller } from '../fillInputPage.js';
import type { HypercallRecorder } from '../HypercallRecorder.js';
import type { KernelPages } from '../KernelPages.js';
import { routeByTraits } from '../routeByTraits.js';
import { type WindowedEnv, windowedExecutor } from '../windowedExecutor.js';
import { WindowTracker } from '../WindowTracker.js';
import { type Depositor, withDepositRetry } from '../withDepositRetry.js';
import { defaultHooks } from './defaultHooks.js';
import type { RamRegions } from '../../scenario/Scenario.js';
import type { DriverEnv } from './DriverEnv.js';
import type { DriverHooks } from './DriverHooks.js';
import { passthroughExecutor } from './passthroughExecutor.js';
import type { HostMemory } from './HostMemory.js';
import type { HvShared } from './HvShared.js';

/**
 * The stages the single-call executor is composed of, handed to `wrapExecutor` so a variant can
 * rebuild the path from the same parts: the fast executor, the windowed executor's environment (port,
 * per-CPU pages, window tracker, recorder, filler) and the window tracker itself.
 */
export interface ExecutorStages {
  readonly fast: Executor;
  readonly windowedEnv: WindowedEnv;
  readonly windows: WindowTracker;
}

export interface DriverConfig {
  readonly hypervisor: HypervisorPort;
  readonly pages: CpuPages;
  readonly kernel: KernelPages;
  readonly host: HostMemory;
  readonly rootPartition: PartitionId;
  readonly scheduler: DriverEnv['scheduler'];
  /** CPUID 0x40000003 ECX bit 9 (default false: every irqfd injection is a hypercall). */
  readonly dispatchInterruptInjection?: boolean;
  /** How guest RAM regions are backed (default `pinned`). */
  readonly ramRegions?: RamRegions;
  readonly recorder: HypercallRecorder;
  /** What the root sees of hypervisor-shared memory and events (src/pipeline/driver/HvShared.ts). */
  readonly shared: HvShared;
  readonly ledger?: DepositLedger;
  /** Extension points: replace one stage to model a broken driver (tests and the checker only). */
  readonly hooks?: Partial<DriverHooks>;
  readonly fill?: InputFiller;
  /**
   * Replace the composed single-call executor (e.g. one without deposit retry, or one built from
   * `stages` with a broken window discipline). List calls keep the routed executor.
   */
  readonly wrapExecutor?: (routed: Executor, deposit: Depositor, stages: ExecutorStages) => Executor;
  /**
   * Replace the executor of the calls that loop on their own (`execOnce`: the runBatches lists
   * MAP/UNMAP_GPA_PAGES, GET_GPA_PAGES_ACCESS_STATES and WITHDRAW_MEMORY), the routed one by
   * default: they deposit and retry in their own loop. Deposits keep the routed one.
   */
  readonly wrapListExecutor?: (routed: Executor, stages: ExecutorStages) => Executor;
  /** The window tracker to continue (a restored snapshot's); default a fresh one. */
  readonly windows?: WindowTracker;
}

/**
 * Compose the driver's call path: fast and windowed executors routed by traits, deposits through
 * DEPOSIT_MEMORY, and deposit-and-retry around single calls.
 *
 * @example
 * const env = createDriverEnv({ hypervisor, pages, kernel, host, rootPartition, scheduler: 'core-smt', recorder, shared });
 */
export function createDriverEnv(cfg: DriverConfig): DriverEnv {
  const windows = cfg.windows ?? new WindowTracker();
  const fast = fastExecutor({ port: cfg.hypervisor, recorder: cfg.recorder });
  const windowedEnv: WindowedEnv = {
    port: cfg.hypervisor,
    pages: guardCpuPages(cfg.pages, windows),
    windows,
    recorder: cfg.recorder,
    ...(cfg.fill === undefined ? {} : { fill: cfg.fill }),
  };
  const windowed = windowedExecutor(windowedEnv);
  const routed = routeByTraits(fast, windowed);
  const ledger = cfg.ledger ?? { deposit: () => undefined };
  const deposit: Depositor = (target, pages) =>
    depositPages(routed, cfg.kernel, ledger, target, pages, 'deposit');
  const stages: ExecutorStages = { fast, windowedEnv, windows };
  const exec =
    cfg.wrapExecutor === undefined
      ? withDepositRetry(routed, deposit)
      : cfg.wrapExecutor(routed, deposit, stages);
  return {
    exec,
    execOnce: cfg.wrapListExecutor === undefined ? routed : cfg.wrapListExecutor(routed, stages),
    deposit,
    kernel: cfg.kernel,
    host: cfg.host,
    windows,
    recorder: cfg.recorder,
    rootPartition: cfg.rootPartition,
    scheduler: cfg.scheduler,
    dispatchInterruptInjection: cfg.dispatchInterruptInjection ?? false,
    ramRegions: cfg.ramRegions ?? 'pinned',
    hooks: { ...defaultHooks, ...cfg.hooks },
    shared: cfg.shared,
    passthrough: passthroughExecutor({ port: cfg.hypervisor, recorder: cfg.recorder }),
  };
}
