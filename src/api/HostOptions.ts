import type { HypercallName } from '../hv/HypercallCode.js';
import type { LogDurability } from '../log/LogWriter.js';
import { type Machines, SHIPPED_MACHINES } from '../runtime/Machines.js';
import type { VmmConfig } from '../runtime/VmmConfig.js';
import type { RecordSink } from '../runtime/RecordSink.js';
import { loadScenario } from '../scenario/loadScenario.js';
import type { HostMemoryDecl, RamRegions, Scenario, Scheduler } from '../scenario/Scenario.js';
import { objectArg } from './objectArg.js';
import { argumentError } from './HostError.js';
import { type Result, failure, success } from './Result.js';
import { codecJson, viaCodec } from './scenarioFieldError.js';
import { boolField } from './u64Field.js';
import { describeArg } from '../scenario/describeArg.js';

/** The seed a host runs with when none is given. */
export const DEFAULT_SEED = 1;

/** One entry of a fault plan: the `nth` (1-based) call of `call` answers `status` instead of running. */
export interface HostFault {
  readonly call: HypercallName;
  readonly nth: number;
  /** An HV_STATUS name without the prefix (`INSUFFICIENT_MEMORY`) or a raw 16-bit status. */
  readonly status: string | number;
}

/**
 * How a host is opened. Everything about the simulated machine derives from `seed` and these
 * choices (docs/scenario-format.md describes the same fields for scenario files).
 */
export interface HostOptions {
  /**
   * The hypervisor under the driver model: `simulated`, the default and the only one the Host API
   * runs on (a real /dev/mshv is driven through `NativeDevice`, from `mshv-control/native`).
   */
  readonly adapter?: 'simulated';
  /** Seed of every deterministic choice (u32). Default 1. */
  readonly seed?: number;
  /** The hypervisor's scheduler (inventory §c.1): `core-smt` by default, `root` for the root scheduler. */
  readonly scheduler?: Scheduler;
  /** The VMM's address space: RAM (4 KiB or 2 MiB pages) and MMIO ranges `mapMemory` can point at. */
  readonly hostMemory?: readonly HostMemoryDecl[];
  /** Statuses the hypervisor answers instead of running a call (an ordered fault plan). */
  readonly faults?: readonly HostFault[];
  /** Reps a rep hypercall completes before it returns with partial completion (default: never). */
  readonly repTimeSlice?: number;
  /**
   * The hypervisor offers dispatch interrupt injection (CPUID 0x40000003 ECX bit 9): under the root
   * scheduler irqfd injections take the register-page fast path (inventory §c.11). Default false.
   */
  readonly dispatchInterruptInjection?: boolean;
  /**
   * How the host kernel backs guest RAM regions: `pinned` (default: pinned and mapped at
   * `mapMemory`) or `movable` (NEW's default: mapped no-access, each 512-page chunk faulted in by
   * `vp.run()` on the guest's first access).
   */
  readonly ramRegions?: RamRegions;
  /** Host RAM in bytes (default: the RAM ranges plus a sixteenth of them plus 1 GiB, rounded up to 2 MiB), for hosts with many partitions. */
  readonly hostRamBytes?: bigint;
  /**
   * The VMM maps each VP's register page at creation and unmaps it at close, as rust-vmm and
   * cloud-hypervisor do (`VmmConfig.mapVpRegisterPages`; recorded in the log). Default false.
   */
  readonly mapVpRegisterPages?: boolean;
  /** Where records go: a path for a new durable log file, or any RecordSink. Default: none. */
  readonly log?: string | RecordSink;
  /** How hard a log file's commits push to disk (LogWriter): `full` (default) or `normal`. */
  readonly durability?: LogDurability;
  /** Machine definitions made with `provide` (planted rules, for checkers); the shipped ones by default. */
  readonly machines?: Machines;
}

/** Every member `HostOptions` has: anything else is refused (a misspelt option would be ignored). */
const HOST_OPTION_NAMES = [
  'adapter',
  'seed',
  'scheduler',
  'hostMemory',
  'faults',
  'repTimeSlice',
  'dispatchInterruptInjection',
  'ramRegions',
  'hostRamBytes',
  'mapVpRegisterPages',
  'log',
  'durability',
  'machines',
] as const satisfies readonly (keyof HostOptions)[];

/** A machine definition by its shape: xstate's `provide`, `transition` and the machine's id. */
function isMachineNamed(m: unknown, id: string): boolean {
  if (m === null || typeof m !== 'object') return false;
  const d = m as { readonly id?: unknown; readonly provide?: unknown; readonly transition?: unknown };
  return d.id === id && typeof d.provide === 'function' && typeof d.transition === 'function';
}

function isMachines(v: unknown): v is Machines {
  if (v === null || typeof v !== 'object') return false;
  const m = v as { readonly partition?: unknown; readonly vp?: unknown };
  return (
    isMachineNamed(m.partition, SHIPPED_MACHINES.partition.id) && isMachineNamed(m.vp, SHIPPED_MACHINES.vp.id)
  );
}

/**
 * The simulated world the options describe, as a scenario without steps (the form a log header
 * carries so a replay can rebuild the same machine). Checked by the scenario loader: a bad field is
 * EINVAL naming `options.<field>` and the loader's rule.
 *
 * @example
 * hostWorld({ seed: 7 }); // { ok: true, value: { format: 1, name: 'host', seed: 7, ... } }
 */
export function hostWorld(options: HostOptions): Result<Scenario> {
  const op = 'Host.open';
  const notObject = objectArg(
    op,
    'options',
    options,
    'Host options { seed?, scheduler?, hostMemory?, … }',
    HOST_OPTION_NAMES,
  );
  if (notObject !== undefined) return notObject;
  const memory: unknown = options.hostMemory;
  if (memory !== undefined && !Array.isArray(memory))
    return failure(argumentError(op, 'options.hostMemory', 'array', 'expected an array of memory ranges'));
  for (const [i, d] of (options.hostMemory ?? []).entries()) {
    // RAM has a page size, MMIO a system physical address; anything else is a misspelling.
    const mmio = (d as { readonly kind?: unknown } | null)?.kind === 'mmio';
    const members = objectArg(
      op,
      `options.hostMemory[${i}]`,
      d,
      mmio ? 'an MMIO range { kind, userAddr, size, spa }' : 'a RAM range { kind, userAddr, size, pageSize }',
      mmio ? ['kind', 'userAddr', 'size', 'spa'] : ['kind', 'userAddr', 'size', 'pageSize'],
    );
    if (members !== undefined) return members;
  }
  const durability: unknown = options.durability;
  if (durability !== undefined && durability !== 'full' && durability !== 'normal')
    return failure(
      argumentError(
        op,
        'options.durability',
        'durability',
        `${describeArg(durability)}: expected 'full' or 'normal'`,
      ),
    );
  if (options.machines !== undefined && !isMachines(options.machines))
    return failure(
      argumentError(
        op,
        'options.machines',
        'machines',
        'expected { partition, vp }: the shipped partition and VP machines or variants of them made with provide()',
      ),
    );
  const adapter: unknown = options.adapter;
  if (adapter !== undefined && adapter !== 'simulated')
    return failure(
      argumentError(
        op,
        'options.adapter',
        'adapterAvailable',
        `${describeArg(adapter)}: the Host API runs on the simulated adapter; drive a real /dev/mshv with NativeDevice (mshv-control/native)`,
      ),
    );
  if (
    options.hostRamBytes !== undefined &&
    (typeof options.hostRamBytes !== 'bigint' || options.hostRamBytes <= 0n)
  )
    return failure(argumentError(op, 'options.hostRamBytes', 'positive', 'expected a positive bigint'));
  if (options.hostRamBytes !== undefined && options.hostRamBytes % 4096n !== 0n)
    return failure(
      argumentError(
        op,
        'options.hostRamBytes',
        'pageAligned',
        `${options.hostRamBytes} is not a multiple of 4096 (host RAM is whole pages)`,
      ),
    );
  const mapVp = boolField(op, 'options.mapVpRegisterPages', options.mapVpRegisterPages);
  if (!mapVp.ok) return mapVp;
  const json = codecJson({
    format: 1,
    name: 'host',
    seed: options.seed ?? DEFAULT_SEED,
    hypervisor: {
      scheduler: options.scheduler ?? 'core-smt',
      faults: options.faults ?? [],
      ...(options.repTimeSlice === undefined ? {} : { repTimeSlice: options.repTimeSlice }),
      ...(options.dispatchInterruptInjection === undefined
        ? {}
        : { dispatchInterruptInjection: options.dispatchInterruptInjection }),
    },
    ...(options.ramRegions === undefined ? {} : { kernel: { ramRegions: options.ramRegions } }),
    hostMemory: (options.hostMemory ?? []).map((d) =>
      d.kind === 'mmio'
        ? { userAddr: d.userAddr, size: d.size, mmio: true, spa: d.spa }
        : { userAddr: d.userAddr, size: d.size, pageSize: d.pageSize },
    ),
    steps: [],
  });
  // Scenario paths as option names: `options.hypervisor.scheduler` is `options.scheduler`.
  const r = viaCodec(
    op,
    'options',
    () => loadScenario(json),
    (f) => f.replace(/^options\.(hypervisor|kernel)\./, 'options.'),
  );
  if (!r.ok) return failure(r.error);
  const ramBytes = r.value.hostMemory.reduce((sum, d) => sum + (d.kind === 'ram' ? d.size : 0n), 0n);
  if (options.hostRamBytes !== undefined && options.hostRamBytes < ramBytes)
    return failure(
      argumentError(
        op,
        'options.hostRamBytes',
        'coversRam',
        `less than the ${ramBytes} bytes of RAM in hostMemory`,
      ),
    );
  return success(r.value);
}

/**
 * The VMM configuration the options ask for, as the control plane and the run meta take it: empty
 * unless `mapVpRegisterPages` is on, so logs of the default VMM keep their bytes.
 *
 * @example
 * vmmOption({ mapVpRegisterPages: true }); // { vmm: { mapVpRegisterPages: true } }
 */
export function vmmOption(options: HostOptions): { readonly vmm?: VmmConfig } {
  return options.mapVpRegisterPages === true ? { vmm: { mapVpRegisterPages: true } } : {};
}
