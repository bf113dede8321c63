import { Rng } from '../../src/det/Rng.js';
import { HV_ROOT_SCHEDULER_MAX_VPS_PER_CHILD_PARTITION } from '../../src/hv/KernelConstants.js';
import type { FaultPlanEntry, HostMemoryDecl, RamRegions, Scheduler } from '../../src/scenario/Scenario.js';
import type { RandomFaultRates } from './faults/FaultPlan.js';
import type { FragmentationKnobs } from './host/UserSpace.js';

/** What a caller may choose; everything left out is derived from the seed (see `deriveKnobs`). */
export interface MachineConfig {
  readonly seed: number | bigint;
  /** Hypervisor scheduler (GET_SYSTEM_PROPERTY 15). Default `core-smt`. */
  readonly scheduler?: Scheduler;
  /** Reps a rep hypercall completes before returning SUCCESS with partial completion. Default: never. */
  readonly repTimeSlice?: number;
  /** CPUID 0x40000003 ECX bit 9: DISPATCH_VP takes vectors from the register page (SCAN flag). Default false. */
  readonly dispatchInterruptInjection?: boolean;
  /**
   * The host kernel's guest RAM regions (the scenario's `kernel.ramRegions`): `pinned` (default) or
   * `movable` (NEW's HMM regions, faulted in on GPA intercepts). The host's mm is part of the machine,
   * so a snapshot keeps the choice and a restored world's driver takes it again.
   */
  readonly ramRegions?: RamRegions;
  /** The scenario's ordered fault plan. */
  readonly faults?: readonly FaultPlanEntry[];
  /** Seeded random faults for the model checker (probability per call, by status name). */
  readonly randomFaults?: RandomFaultRates;
  /** The VMM process's memory (the scenario's `hostMemory`). */
  readonly hostMemory?: readonly HostMemoryDecl[];
  /** Simulated logical processors. Default: 2–8 from the seed. */
  readonly cpuCount?: number;
  /** Host RAM. Default: the RAM VMAs + 1/16 of them (holes between runs) + 1 GiB for the kernel and pools. */
  readonly hostRamBytes?: bigint;
  /** Probability that a valid SET_PARTITION_PROPERTY completes asynchronously (CALL_PENDING). Default 0.5. */
  readonly asyncPropertyRate?: number;
  /** Override parts of the pool cost model. */
  readonly costs?: Partial<CostModel>;
  /** Override the fragmentation of 4 KiB-backed memory. */
  readonly fragmentation?: Partial<FragmentationKnobs>;
}

/**
 * Pool pages the hypervisor takes for its structures (documented in README.md, "Cost model"). The
 * driver's deposits (208 before INITIALIZE_PARTITION, 90 before CREATE_VP, 1 per retry, 256 per MAP
 * retry) are empirical; the model's costs vary around them with the seed so both the "deposit was
 * enough" and the "retry" paths run.
 */
export interface CostModel {
  /** Root pool pages one CREATE_PARTITION takes (partition object). */
  readonly createPartitionRootPages: number;
  /** Child pool pages INITIALIZE_PARTITION takes (partition structures, top-level table). */
  readonly initializePages: number;
  /** Child pool pages each CREATE_VP takes. */
  readonly vpPages: number;
  /** Pool pages of the port partition per CREATE_PORT. */
  readonly portPages: number;
  /** Pool pages of the connection partition per CONNECT_PORT. */
  readonly connectionPages: number;
  /** Pages in the root's pool when the machine starts. */
  readonly rootPoolInitialPages: number;
}

/** Every knob the machine runs with, derived once from the seed and the config. */
export interface Knobs {
  readonly seed: bigint;
  readonly scheduler: Scheduler;
  readonly repTimeSlice: number | undefined;
  /** CPUID 0x40000003 ECX bit 9, as the root kernel reads it at boot. */
  readonly dispatchInterruptInjection: boolean;
  /** How the host kernel backs guest RAM regions (MachineConfig.ramRegions). */
  readonly ramRegions: RamRegions;
  readonly cpuCount: number;
  readonly hostRamPages: number;
  readonly rootPartitionId: bigint;
  readonly firstChildPartitionId: bigint;
  readonly asyncPropertyRate: number;
  readonly costs: CostModel;
  readonly fragmentation: FragmentationKnobs;
  /** HV_PARTITION_PROPERTY_MAX_XSAVE_DATA_SIZE and XSAVE_STATES the model reports. */
  readonly maxXsaveDataSize: number;
  readonly xsaveStates: bigint;
  readonly processorClockHz: bigint;
  /** Clock origin (ns) so reference times differ between seeds. */
  readonly clockStartNs: bigint;
  /** Most VPs a partition may have (INVALID_VP_INDEX at or above). */
  readonly vpIndexLimit: number;
}

/**
 * Derive every knob from the seed (stream `knobs`) and the config. Pure: the same seed and config give
 * the same knobs on any machine.
 *
 * @example
 * deriveKnobs({ seed: 7 }).scheduler; // 'core-smt'
 */
export function deriveKnobs(config: MachineConfig): Knobs {
  const seed = BigInt(config.seed);
  const rng = new Rng(config.seed).derive('knobs');
  const ramVmaBytes = (config.hostMemory ?? []).reduce((s, d) => s + (d.kind === 'ram' ? d.size : 0n), 0n);
  // Room for the holes 4 KiB-backed memory leaves between its runs (at most ~3 %) and 1 GiB for the
  // kernel and the pools, so faulting a VMA in never wraps around into a sea of tiny holes.
  const defaultRam = ramVmaBytes + ramVmaBytes / 16n + (1n << 30n);
  const hostRamBytes = config.hostRamBytes ?? alignUp(defaultRam, 2n << 20n);
  if (hostRamBytes <= 0n || hostRamBytes % 4096n !== 0n)
    throw new RangeError(`hostRamBytes: ${hostRamBytes} must be a positive multiple of 4096`);
  if (hostRamBytes < ramVmaBytes)
    throw new RangeError(`hostRamBytes: ${hostRamBytes} is less than the ${ramVmaBytes} bytes of RAM VMAs`);
  const rootPartitionId = BigInt(rng.int(1, 0xff));
  const firstChildPartitionId = rootPartitionId + 1n + BigInt(rng.below(0xffff));
  const avx512 = rng.chance(0.5);
  const costs: CostModel = {
    createPartitionRootPages: rng.int(1, 4),
    initializePages: rng.int(160, 240),
    vpPages: rng.int(48, 110),
    portPages: 1,
    connectionPages: 1,
    rootPoolInitialPages: rng.int(0, 16),
    ...config.costs,
  };
  const fragmentation: FragmentationKnobs = {
    runPagesMean: rng.pick([256, 512, 1024, 2048]),
    shortRunRate: rng.pick([0.02, 0.05, 0.1]),
    gapPagesMax: rng.int(1, 32),
    hugeRunChunksMax: rng.int(1, 64),
    ...config.fragmentation,
  };
  const cpuCount = config.cpuCount ?? rng.int(2, 8);
  if (!Number.isSafeInteger(cpuCount) || cpuCount < 1 || cpuCount > 1024)
    throw new RangeError(`cpuCount: ${cpuCount} must be an integer in [1, 1024]`);
  const repTimeSlice = config.repTimeSlice;
  if (repTimeSlice !== undefined && (!Number.isSafeInteger(repTimeSlice) || repTimeSlice < 1))
    throw new RangeError(`repTimeSlice: ${repTimeSlice} must be a positive integer`);
  return {
    seed,
    scheduler: config.scheduler ?? 'core-smt',
    repTimeSlice,
    dispatchInterruptInjection: config.dispatchInterruptInjection ?? false,
    ramRegions: config.ramRegions ?? 'pinned',
    cpuCount,
    hostRamPages: Number(hostRamBytes >> 12n),
    rootPartitionId,
    firstChildPartitionId,
    asyncPropertyRate: config.asyncPropertyRate ?? 0.5,
    costs,
    fragmentation,
    maxXsaveDataSize: avx512 ? 0xa88 : 0x340,
    xsaveStates: avx512 ? 0xe7n : 0x7n,
    processorClockHz: BigInt(rng.int(20, 35)) * 100_000_000n,
    clockStartNs: BigInt(rng.int(1, 1_000_000)) * 1_000_000n,
    vpIndexLimit: HV_ROOT_SCHEDULER_MAX_VPS_PER_CHILD_PARTITION,
  };
}

/**
 * The knobs as the lines `describe()` prints, seed first.
 *
 * @example
 * describeKnobs(deriveKnobs({ seed: 7 })).slice(0, 2); // ['seed 7', 'scheduler core-smt']
 */
export function describeKnobs(k: Knobs): string[] {
  const c = k.costs;
  const f = k.fragmentation;
  return [
    `seed ${k.seed}`,
    `scheduler ${k.scheduler}`,
    `repTimeSlice ${k.repTimeSlice ?? 'none'}`,
    ...(k.dispatchInterruptInjection ? ['dispatchInterruptInjection (CPUID 0x40000003 ECX bit 9)'] : []),
    ...(k.ramRegions === 'movable' ? ['ramRegions movable (HMM, faulted in on GPA intercepts)'] : []),
    `cpus ${k.cpuCount}`,
    `hostRam ${k.hostRamPages} pages (${(k.hostRamPages / 256).toFixed(0)} MiB)`,
    `partitionIds root 0x${k.rootPartitionId.toString(16)} firstChild 0x${k.firstChildPartitionId.toString(16)}`,
    `costs createPartitionRoot ${c.createPartitionRootPages} initialize ${c.initializePages} vp ${c.vpPages} port ${c.portPages} connection ${c.connectionPages} rootPoolInitial ${c.rootPoolInitialPages} (pages)`,
    `fragmentation runPagesMean ${f.runPagesMean} shortRunRate ${f.shortRunRate} gapPagesMax ${f.gapPagesMax} hugeRunChunksMax ${f.hugeRunChunksMax}`,
    `asyncPropertyRate ${k.asyncPropertyRate}`,
    `xsave maxDataSize 0x${k.maxXsaveDataSize.toString(16)} states 0x${k.xsaveStates.toString(16)}`,
    `processorClock ${k.processorClockHz} Hz`,
    `clockStart ${k.clockStartNs} ns`,
  ];
}

function alignUp(v: bigint, to: bigint): bigint {
  return ((v + to - 1n) / to) * to;
}
