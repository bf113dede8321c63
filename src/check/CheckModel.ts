import type { VmmConfig } from '../runtime/VmmConfig.js';
import type { HypercallName } from '../hv/HypercallCode.js';
import type { JsonValue } from '../log/JsonValue.js';
import type { GuestExit, HostMemoryDecl, HypervisorConfig, KernelConfig } from '../scenario/Scenario.js';
import type { MigrateDuring } from '../scenario/MigrateDuring.js';

/** The format version of a check model file this build reads. */
export const CHECK_MODEL_FORMAT = 1;

/**
 * The simulated machine every explored path starts from: the scenario header fields (seed,
 * hypervisor, host memory). A counterexample's log header carries the same fields.
 */
export interface CheckWorldSpec {
  readonly seed: number;
  readonly hypervisor: HypervisorConfig;
  readonly hostMemory: readonly HostMemoryDecl[];
  /** The host kernel's choices (`kernel.ramRegions`), as in a scenario; the defaults when absent. */
  readonly kernel?: KernelConfig;
  /** How the VMM uses the device beyond its intents (`VmmConfig`); every default when absent. */
  readonly vmm?: VmmConfig;
  /**
   * The first this many signals to VP threads are lost (`Infinity`: every one; JSON `"all"`), as a
   * kick that arrives between a VP thread's stop check and MSHV_RUN_VP is (rule 4: no sticky
   * cancel; `LossySimWorld`). None when absent. Checker-only: a scenario has no such field.
   */
  readonly lostSignals?: number;
}

/** How far exploration goes. */
export interface CheckBounds {
  /** Partitions a path may create (keys `vm0`, `vm1`, …). */
  readonly partitions: number;
  /** VP indexes `0 … vps-1` the alphabet's `$vp` requests and VP intents range over. */
  readonly vps: number;
  /**
   * Intents on a path: the state-changing ones (a request the machines refuse changes nothing and
   * does not lengthen the path). Armed faults do not count (`faults` bounds them), nor does the
   * crash that may end the path.
   */
  readonly steps: number;
  /** Regions a partition may have mapped at once (further MAP_MEMORY requests are not tried). */
  readonly regions: number;
  /** Faults a path may arm. */
  readonly faults: number;
  /** Distinct states explored before exploration stops (a budget, not a proof bound). */
  readonly states: number;
}

/**
 * One entry of the intent alphabet. Partition, VP, guest and signal intents apply to every
 * partition key, and VP, guest and signal intents to every VP index; the string `"$vp"` as an
 * integer member of a partition request stands for each VP index in turn. Requests are passed to the ControlPlane as written,
 * so invalid ones (a VP index of 256, a request in the wrong phase) are part of the alphabet.
 */
export type IntentTemplate =
  | {
      readonly intent: 'createPartition';
      readonly flags: bigint;
      readonly isolation: bigint;
    }
  | { readonly intent: 'partition'; readonly request: Readonly<Record<string, JsonValue>> }
  | { readonly intent: 'vp'; readonly request: Readonly<Record<string, JsonValue>> }
  | { readonly intent: 'guest'; readonly exits: readonly GuestExit[] }
  | { readonly intent: 'signal' }
  /** A device model raising each of a partition's irqfds (a `writeEventfd` of 1 on its eventfd). */
  | { readonly intent: 'signalIrqfd' }
  /**
   * The host's mm moving `[userAddr, userAddr + size)` of the VMM process (`migrateUserPages`): offered
   * while a partition is open (the movable regions' MMU notifiers run, then the pages move); with
   * `during: 'nextFaultIn'`, armed to race the next movable-region fault-in over the range.
   */
  | {
      readonly intent: 'migrateUserPages';
      readonly userAddr: bigint;
      readonly size: bigint;
      readonly during?: MigrateDuring;
    };

/**
 * A hypervisor fault a path may arm: the call `skip + 1` calls of `call` from now answers `status`
 * (a planned fault of the simulated hypervisor). With `repTimeSlice` set, `skip: 1` on a rep call
 * fails the resumed issue after a partial completion. With `completionDelayNs` it is a late
 * asynchronous completion instead (CALL_PENDING, the completion message that much later).
 */
export interface FaultChoice {
  readonly call: HypercallName;
  readonly status: number;
  readonly skip: number;
  /**
   * A late completion (status CALL_PENDING on an asynchronous call only): the call runs and answers
   * CALL_PENDING, and its completion message arrives this many simulated nanoseconds later.
   */
  readonly completionDelayNs?: bigint;
}

/** Swarm settings of the random strategy. */
export interface RandomSettings {
  /** Walks per run. */
  readonly walks: number;
  /** The largest per-step probability a walk may pick for arming each of the model's fault choices. */
  readonly faultRateMax: number;
  /**
   * The largest per-call probability of the simulated hypervisor's own random faults (every call
   * that can answer one of the model's fault statuses, teardown calls included); 0 turns them off.
   */
  readonly machineFaultRateMax: number;
}

/** Where a crash of the VMM is explored (`CheckModel.crashPoints`). */
export type CrashPoints = 'states' | 'transitions';

/** The values `crashPoints` takes. */
export const CRASH_POINTS: readonly CrashPoints[] = ['states', 'transitions'];

/**
 * A check model: the world, the bounds, the intent alphabet, the fault choices, whether a crash of
 * the VMM process is explored, and the symmetry reduction to apply. Loaded by `loadCheckModel`,
 * documented in docs/guide/check.md.
 */
export interface CheckModel {
  readonly name: string;
  readonly world: CheckWorldSpec;
  readonly bounds: CheckBounds;
  readonly intents: readonly IntentTemplate[];
  readonly faults: readonly FaultChoice[];
  /** Explore "the VMM process dies here" (every fd closed by the kernel) after each step. */
  readonly crash: boolean;
  /**
   * Also explore the VMM dying inside each intent that changed the world, after each of its
   * operations (the kernel finished it, the log never got its result). Needs `crash`. Default false:
   * it adds a crash point per operation, each with its own recover. Random walks put half their
   * crashes inside the next intent that completes an operation, at one picked uniformly.
   */
  readonly crashInside?: boolean;
  /**
   * Where the VMM may die between intents: `states` (default) once at every distinct state with an
   * open partition; `transitions` after every step that changed the world, also into a state already
   * seen. The state digest leaves out fds, ids, the clock and (with symmetry) VP indexes, so two paths
   * to one digest can leave different histories and kernel state for `recover` and the kernel's
   * release path; `transitions` judges each of them, at about one crash per transition instead of
   * per state. Needs `crash`; BFS and DFS (random walks crash at random steps and refuse it).
   */
  readonly crashPoints?: CrashPoints;
  readonly symmetry: { readonly partitions: boolean; readonly vps: boolean };
  readonly random: RandomSettings;
  /** Depth at which DFS splits its tree into independent tasks (workers take tasks). */
  readonly dfsSplitDepth: number;
}
