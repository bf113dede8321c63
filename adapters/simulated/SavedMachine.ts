import type { RngState } from '../../src/det/Rng.js';
import type { SavedFaultPlan } from './faults/FaultPlan.js';
import type { SavedHostRam } from './host/HostRam.js';
import type { SavedSynicCpu } from './host/Synic.js';
import type { SavedUserSpace } from './host/UserSpace.js';
import type { MachineConfig } from './MachineConfig.js';
import type { SavedHvModel } from './model/HvModel.js';

/**
 * Everything a SimulatedMachine is, as typed data: the configuration (knobs are derived from it),
 * the clock, every seeded stream's position, host memory, the SynIC, the hypervisor's partitions,
 * the fault plan's counters, the hypervisor's CPU and call counter, and each CPU's persistent
 * hypercall pages. `SimulatedMachine.save()` produces it; `snapshot/machineJson.ts` writes and
 * reads it as JSON.
 */
export interface SavedMachine {
  readonly config: MachineConfig;
  readonly clockNs: bigint;
  readonly ram: SavedHostRam;
  readonly user: SavedUserSpace;
  readonly userRng: RngState;
  readonly synic: readonly SavedSynicCpu[];
  readonly kernelCursor: number;
  readonly hv: SavedHvModel;
  readonly asyncRng: RngState;
  readonly faults: SavedFaultPlan;
  readonly faultRng: RngState;
  readonly currentCpu: number;
  readonly callCount: number;
  /** Each CPU's hypercall input and output page, stale bytes included. */
  readonly cpuPages: readonly { readonly input: Uint8Array; readonly output: Uint8Array }[];
}
