import { ManualClock } from '../../src/det/Clock.js';
import { Rng } from '../../src/det/Rng.js';
import type { JsonValue } from '../../src/log/JsonValue.js';
import { HV_PAGE_SIZE } from '../../src/hv/Page.js';
import { HvPage } from '../../src/ports/HvPage.js';
import type { GuestExit } from '../../src/scenario/Scenario.js';
import type { PfnRun } from '../../src/ports/HostPort.js';
import { allZero } from '../../src/snapshot/allZero.js';
import { canonicalDigest, streamDigest } from '../../src/snapshot/jsonDigest.js';
import { SnapshotError, type SnapshotResult } from '../../src/snapshot/SnapshotError.js';
import { type AuditReport, auditMachine } from './audit.js';
import { FaultPlan } from './faults/FaultPlan.js';
import { HostRam, type OwnerKind, ramRanges } from './host/HostRam.js';
import { SimulatedHost } from './host/SimulatedHost.js';
import { Synic } from './host/Synic.js';
import { type MigrateReport, type RacingMigration, UserSpace } from './host/UserSpace.js';
import { type Knobs, type MachineConfig, deriveKnobs, describeKnobs } from './MachineConfig.js';
import { type FaultedIn, exitsSeenByVmm, pushExits, vpHasExitForVmm } from './model/Guest.js';
import type { GpaValue } from './model/GpaMap.js';
import { apicEoiMessage, HV_MESSAGE_HEADER_SIZE } from './model/Messages.js';
import { HVMSG } from '../../src/hv/flags/HvMessageType.js';
import { HvModel } from './model/HvModel.js';
import type { Partition } from './model/Partition.js';
import type { SavedMachine } from './SavedMachine.js';
import { readMachine, writeMachine } from './snapshot/machineJson.js';
import { SimulatedHypervisor } from './SimulatedHypervisor.js';

/** How `SimulatedMachine.fromSnapshot` treats its input. */
export interface RestoreOptions {
  /**
   * Run `audit()` on the restored machine and refuse it (rule `consistency`) when conservation does
   * not hold. Default true; a model checker restoring its own snapshots may skip it.
   */
  readonly verify?: boolean;
}

/** The per-CPU hypercall input and output pages (structurally the driver's CpuPages). */
export interface CpuPagePair {
  readonly input: HvPage;
  readonly output: HvPage;
}

/** A read-only snapshot of one partition for checkers. */
export interface PartitionView {
  readonly id: bigint;
  readonly state: Partition['state'];
  readonly isRoot: boolean;
  readonly creationFlags: bigint;
  readonly pool: {
    readonly freePages: number;
    readonly usedPages: number;
    readonly depositedTotal: number;
    readonly withdrawnTotal: number;
  };
  readonly slatPages: number;
  readonly mappedPages: number;
  readonly gpaExtents: number;
  readonly unmapMissPages: number;
  readonly timeFrozen: boolean;
  readonly referenceTime: bigint;
  readonly vps: readonly VpView[];
  readonly ports: readonly {
    readonly id: number;
    readonly type: number;
    readonly connections: readonly number[];
  }[];
  readonly connections: readonly {
    readonly id: number;
    readonly portPartition: bigint;
    readonly portId: number;
    readonly gpa: bigint;
  }[];
  readonly asyncCompletions: number;
}

/** A read-only snapshot of one VP. */
export interface VpView {
  readonly index: number;
  readonly cpu: number;
  readonly explicitSuspend: boolean;
  readonly interceptSuspend: boolean;
  readonly dispatchSuspend: boolean;
  readonly signalCount: number;
  readonly halted: boolean;
  readonly thread: 'idle' | 'blocked';
  readonly scriptLeft: number;
  readonly exits: number;
  /** Vectors asserted and not yet taken by the guest, and ASSERT_VIRTUAL_INTERRUPT deliveries so far. */
  readonly pendingVectors: readonly number[];
  readonly interruptsAsserted: number;
  readonly statePages: readonly { readonly type: number; readonly pfn: number }[];
  readonly statsPages: readonly { readonly area: number; readonly pfn: number }[];
}

/**
 * The simulated machine: host memory, the root kernel's view of it (HostPort) and the Microsoft
 * hypervisor (HypervisorPort), all from one seed and one config. It is the only object a user
 * constructs; everything else is reached through it.
 *
 * @example
 * const machine = new SimulatedMachine({ seed: 7, hostMemory: [{ kind: 'ram', userAddr: 0x7f0000000000n, size: 1n << 30n, pageSize: 4096 }] });
 * machine.describe()[0]; // 'seed 7'
 * const { input, output } = machine.cpuPages(0);
 * machine.hypervisor.hypercall(0x7bn, input, output); // GET_SYSTEM_PROPERTY
 */
export class SimulatedMachine {
  readonly knobs: Knobs;
  readonly clock: ManualClock;
  readonly hypervisor: SimulatedHypervisor;
  readonly host: SimulatedHost;
  /** @internal The raw model the handlers mutate; checkers use the read-only views below. */
  readonly model: HvModel;
  readonly #ram: HostRam;
  readonly #user: UserSpace;
  /** Each CPU's argument pages, made on first use (a CPU nobody calls from costs nothing). */
  readonly #pages: (CpuPagePair | undefined)[] = [];

  /**
   * @param restored a recorded state (what `fromSnapshot` decoded); the machine then continues from
   * it instead of starting fresh. Callers restore through `fromSnapshot`.
   */
  constructor(
    readonly config: MachineConfig,
    restored?: SavedMachine,
  ) {
    this.knobs = deriveKnobs(config);
    const rng = new Rng(config.seed);
    const ranges = ramRanges(this.knobs.hostRamPages);
    this.clock = new ManualClock(restored?.clockNs ?? this.knobs.clockStartNs);
    this.#ram = restored === undefined ? new HostRam(ranges) : HostRam.restore(ranges, restored.ram);
    this.#user = new UserSpace(
      config.hostMemory ?? [],
      this.#ram,
      restored === undefined ? rng.derive('host-pfns') : Rng.fromState(restored.userRng),
      this.knobs.fragmentation,
      restored?.user,
    );
    const synic = restored === undefined ? new Synic(this.knobs.cpuCount) : Synic.restore(restored.synic);
    this.host = new SimulatedHost(this.#ram, this.#user, synic, restored?.kernelCursor);
    this.model = new HvModel(
      this.knobs,
      this.#ram,
      synic,
      this.clock,
      restored === undefined ? rng.derive('async') : Rng.fromState(restored.asyncRng),
      restored?.hv,
    );
    const planned = config.faults ?? [];
    const rates = config.randomFaults ?? {};
    const faults =
      restored === undefined
        ? new FaultPlan(planned, rates, rng.derive('faults'))
        : FaultPlan.restore(planned, rates, Rng.fromState(restored.faultRng), restored.faults);
    this.hypervisor = new SimulatedHypervisor(this.model, faults);
    this.#pages.length = this.knobs.cpuCount;
    restored?.cpuPages.forEach((saved, cpu) => {
      if (allZero(saved.input) && allZero(saved.output)) return;
      const pair = this.cpuPages(cpu);
      pair.input.bytes.set(saved.input);
      pair.output.bytes.set(saved.output);
    });
    if (restored !== undefined) {
      this.hypervisor.currentCpu = restored.currentCpu;
      this.hypervisor.callCount = restored.callCount;
      return;
    }
    const initial = this.knobs.costs.rootPoolInitialPages;
    const runs = initial > 0 ? this.host.allocPages(initial) : [];
    for (const r of runs ?? []) this.model.root.pool.deposit(r.pfn, r.count);
  }

  /**
   * Everything the machine is, as typed data (see SavedMachine): a machine built from it continues
   * exactly as this one would. The call-log ring (`recentCalls()`) and the list of injected faults
   * are records of the past, not state, and are not kept.
   *
   * @example
   * new SimulatedMachine(m.config, m.save()); // a twin of m
   */
  save(): SavedMachine {
    const faults = this.hypervisor.faults;
    return {
      config: this.config,
      clockNs: this.clock.now(),
      ram: this.#ram.save(),
      user: this.#user.save(),
      userRng: this.#user.rng.state(),
      synic: this.host.synic.save(),
      kernelCursor: this.host.kernelCursor,
      hv: this.model.save(),
      asyncRng: this.model.rng.state(),
      faults: faults.save(),
      faultRng: faults.rng.state(),
      currentCpu: this.hypervisor.currentCpu,
      callCount: this.hypervisor.callCount,
      cpuPages: Array.from(this.#pages, (p) => ({
        input: p === undefined ? new Uint8Array(HV_PAGE_SIZE) : p.input.bytes.slice(),
        output: p === undefined ? new Uint8Array(HV_PAGE_SIZE) : p.output.bytes.slice(),
      })),
    };
  }

  /**
   * The machine as a plain JSON value (format `mshv-control-machine`, version 1): no bigint (64-bit
   * values are `0x` words), sized by extents, runs and objects, never by guest or host RAM size.
   * `canonicalJson` of it is the canonical text; equal states give equal text.
   *
   * @example
   * const json = machine.snapshot();
   * const twin = SimulatedMachine.fromSnapshot(JSON.parse(JSON.stringify(json)));
   */
  snapshot(): JsonValue {
    return writeMachine(this.save(), this.knobs);
  }

  /**
   * Rebuild a machine from a snapshot. Malformed input, another format or version, a configuration
   * this build derives other knobs from, or (with `verify`, the default) a state whose audit fails
   * is an error naming the JSON path and the rule; nothing is half built.
   *
   * @example
   * const r = SimulatedMachine.fromSnapshot(json);
   * if (!r.ok) console.error(r.error.message); // '$.hv.partitions[1].pool.free[2]: …'
   */
  static fromSnapshot(json: unknown, options: RestoreOptions = {}): SnapshotResult<SimulatedMachine> {
    try {
      return { ok: true, value: SimulatedMachine.restoreAt(json, '$', options) };
    } catch (e) {
      if (e instanceof SnapshotError) return { ok: false, error: e };
      throw e;
    }
  }

  /**
   * `fromSnapshot` for a machine nested at `path` of a larger snapshot; throws the SnapshotError.
   *
   * @example
   * SimulatedMachine.restoreAt(world.machine, '$.machine');
   */
  static restoreAt(json: unknown, path: string, options: RestoreOptions = {}): SimulatedMachine {
    const saved = readMachine(json, path);
    let machine: SimulatedMachine;
    try {
      machine = new SimulatedMachine(saved.config, saved);
    } catch (e) {
      throw new SnapshotError(
        path,
        'consistency',
        `the recorded state cannot be rebuilt: ${(e as Error).message}`,
      );
    }
    if (options.verify ?? true) {
      const audit = machine.audit();
      if (!audit.ok)
        throw new SnapshotError(
          path,
          'consistency',
          `the restored machine fails its audit: ${audit.violations.join('; ')}`,
        );
    }
    return machine;
  }

  /**
   * A 64-bit digest (16 hex digits) of the canonical snapshot text: FNV-1a 64, the log's checksum.
   * Equal states give equal digests (the model checker's state hash).
   *
   * @example
   * a.stateDigest() === b.stateDigest(); // true for twins
   */
  stateDigest(): string {
    return canonicalDigest(this.snapshot());
  }

  /**
   * The same digest as `stateDigest`, hashed while walking the snapshot value instead of over its
   * text (see streamDigest): equal by construction, cheaper on large worlds.
   *
   * @example
   * machine.fastStateDigest() === machine.stateDigest(); // true
   */
  fastStateDigest(): string {
    return streamDigest(this.snapshot());
  }

  /**
   * CPU `cpu`'s persistent hypercall input and output pages: bytes an earlier call left stay there.
   * Passing them to `hypervisor.hypercall` also tells the hypervisor the call runs on `cpu`.
   */
  cpuPages(cpu: number): CpuPagePair {
    const made = this.#pages[cpu];
    if (made !== undefined) return made;
    if (!Number.isInteger(cpu) || cpu < 0 || cpu >= this.knobs.cpuCount)
      throw new RangeError(`cpuPages: cpu ${cpu} is not in [0, ${this.knobs.cpuCount})`);
    const [input, output] = HvPage.slab(2) as [HvPage, HvPage];
    const pair = { input, output };
    this.hypervisor.registerCpuPage(pair.input, cpu);
    this.hypervisor.registerCpuPage(pair.output, cpu);
    this.#pages[cpu] = pair;
    return pair;
  }

  /** The CPU the caller runs on from now: fast hypercalls (which pass no page) run there. */
  runOn(cpu: number): void {
    this.cpuPages(cpu);
    this.hypervisor.currentCpu = cpu;
  }

  /** The seed first, then every knob derived from it, one per line. */
  describe(): string[] {
    return describeKnobs(this.knobs);
  }

  /** Prove page conservation; see auditMachine. */
  audit(): AuditReport {
    return auditMachine(this.model, this.#ram, this.#user);
  }

  /** Host pages per owner kind. */
  ownership(): Readonly<Record<OwnerKind, number>> & { readonly totalPages: number } {
    return { ...this.#ram.counts(), totalPages: this.#ram.totalPages };
  }

  /** Host ownership extents (start PFN, end PFN, owner), in PFN order. */
  *hostExtents(): IterableIterator<{
    readonly start: number;
    readonly end: number;
    readonly kind: OwnerKind;
    readonly partition: number;
    readonly pins: number;
    readonly maps: number;
    readonly exclusive: number;
  }> {
    for (const e of this.#ram.owners) yield { start: e.start, end: e.end, ...e.value };
  }

  /** Number of host ownership extents. */
  get hostExtentCount(): number {
    return this.#ram.owners.size;
  }

  /**
   * The host's mm moves the resident pages of `[userAddr, userAddr + pages × 4096)` (`UserSpace.migrate`):
   * call it after the driver's MMU notifiers over the range ran (`MshvDevice.invalidateUserRange`).
   *
   * @example
   * machine.migrateUserPages(0x7f0000000000n, 512).moved; // 512 when none is pinned
   */
  migrateUserPages(userAddr: bigint, pages: number): MigrateReport {
    return this.#user.migrate(userAddr, pages);
  }

  /**
   * Arm a migration of `[userAddr, userAddr + pages × 4096)` that the mm starts while the next
   * hmm_range_fault over any page of it runs, after that fault resolved its pages
   * (`SimulatedHost.faultUserRange`: the MMU notifiers, then the move). False when one is armed already.
   *
   * @example
   * machine.armMigrationRace(0x7f0000000000n, 512); // true
   */
  armMigrationRace(userAddr: bigint, pages: number): boolean {
    return this.#user.armRace(userAddr, pages);
  }

  /**
   * What the VMM's mm holds at `[userAddr, userAddr + pages × 4096)` now, as runs of host pages (pfn -1
   * where a page is not resident RAM), without faulting anything in (`UserSpace.residentRuns`).
   */
  residentUserRuns(userAddr: bigint, pages: number): PfnRun[] {
    return this.#user.residentRuns(userAddr, pages);
  }

  /** The migration armed to race the next fault-in, or null (`armMigrationRace`). */
  get migrationRace(): RacingMigration | null {
    return this.#user.race;
  }

  /** User pages pinned, counted once per pin (a checker sees a pin the driver forgot to drop). */
  get pinnedUserPages(): number {
    let n = 0;
    for (const e of this.#ram.owners) if (e.value.kind === 'user') n += e.value.pins * (e.end - e.start);
    return n;
  }

  /**
   * Every partition the model holds, root first: the live ones, and deleted ones that leaked pages
   * (still deposited, or SNP pages still exclusive to them; a partition deleted clean is forgotten;
   * `model.wasDeleted(id)` still tells).
   */
  partitions(): PartitionView[] {
    return this.model.all().map((p) => this.#view(p));
  }

  /** One partition by id (live, or deleted with leaked pages), or undefined. */
  partition(id: bigint): PartitionView | undefined {
    const p = this.model.all().find((x) => x.id === id);
    return p === undefined ? undefined : this.#view(p);
  }

  /** Cheap counters of one partition (no snapshot): for sampling inside long loops. */
  partitionCounters(id: bigint):
    | {
        readonly gpaExtents: number;
        readonly slatPages: number;
        readonly poolFreePages: number;
        readonly poolUsedPages: number;
      }
    | undefined {
    const p = this.model.all().find((x) => x.id === id);
    if (p === undefined) return undefined;
    return {
      gpaExtents: p.gpa.extents.size,
      slatPages: p.gpa.slatPages,
      poolFreePages: p.pool.freePages,
      poolUsedPages: p.pool.usedPages,
    };
  }

  /** A partition's GPA extents (start GFN, end GFN, mapping), in GFN order; copies, never the model's. */
  *gpaExtents(
    id: bigint,
  ): IterableIterator<{ readonly start: number; readonly end: number; readonly value: GpaValue }> {
    const p = this.model.all().find((x) => x.id === id);
    if (p !== undefined)
      for (const e of p.gpa.extents) yield { start: e.start, end: e.end, value: { ...e.value } };
  }

  /**
   * World control (not a hypercall): append exits to a VP's guest script. Under a hypervisor scheduler
   * a runnable VP runs at once; under the root scheduler a blocked VP is signalled.
   */
  pushExits(partitionId: bigint, vpIndex: number, exits: readonly GuestExit[]): void {
    const p = this.model.resolve(partitionId);
    const vp = p?.vps.get(vpIndex);
    if (p === undefined || vp === undefined)
      throw new RangeError(`pushExits: no VP ${vpIndex} in partition 0x${partitionId.toString(16)}`);
    pushExits(this.model, p, vp, exits);
  }

  /**
   * How many of `exits` would reach the VMM as messages if pushed now (see Guest.ts exitsSeenByVmm):
   * the number of MSHV_RUN_VP calls that return one of them. `faultedIn` names the GPA intercepts
   * the root kernel resolves itself (default: none).
   */
  exitsSeenByVmm(partitionId: bigint, exits: readonly GuestExit[], faultedIn?: FaultedIn): number {
    const p = this.model.resolve(partitionId);
    if (p === undefined) throw new RangeError(`exitsSeenByVmm: no partition 0x${partitionId.toString(16)}`);
    return exitsSeenByVmm(this.model, p, exits, faultedIn);
  }

  /**
   * Whether VP `vpIndex` would produce an exit for the VMM if the root resumed or dispatched it now
   * (see Guest.ts vpHasExitForVmm); false for an unknown VP. `faultedIn` as for `exitsSeenByVmm`.
   */
  vpHasExitForVmm(partitionId: bigint, vpIndex: number, faultedIn?: FaultedIn): boolean {
    const p = this.model.resolve(partitionId);
    const vp = p?.vps.get(vpIndex);
    return p !== undefined && vp !== undefined && vpHasExitForVmm(this.model, p, vp, faultedIn);
  }

  /**
   * Whether an intercept message for VP `vpIndex` waits in its CPU's SINT0 (slot or queue) for the
   * root's ISR: an OPAQUE_INTERCEPT whose sender is the partition and whose payload's first u32 names
   * the VP (what mshv_intercept_isr kicks, inventory §c.8). A run entered now returns it at once.
   */
  interceptPendingFor(partitionId: bigint, vpIndex: number): boolean {
    const vp = this.model.resolve(partitionId)?.vps.get(vpIndex);
    if (vp === undefined) return false;
    for (const msg of this.model.synic.inSint0(vp.cpu)) {
      const v = new DataView(msg.buffer, msg.byteOffset, msg.byteLength);
      if (
        v.getUint32(0, true) === HVMSG.OPAQUE_INTERCEPT &&
        v.getBigUint64(8, true) === partitionId &&
        v.getUint32(HV_MESSAGE_HEADER_SIZE, true) === vpIndex
      )
        return true;
    }
    return false;
  }

  /**
   * World control: the guest acknowledges (EOI) `vector` on VP `vpIndex`, as it does at the end of a
   * level-triggered interrupt; the hypervisor reports it to the root with HVMSG_X64_APIC_EOI on SINT0
   * of the VP's CPU (the driver's irqfd resampler acts on it, inventory §c.8).
   */
  guestEoi(partitionId: bigint, vpIndex: number, vector: number): void {
    const p = this.model.resolve(partitionId);
    const vp = p?.vps.get(vpIndex);
    if (p === undefined || vp === undefined)
      throw new RangeError(`guestEoi: no VP ${vpIndex} in partition 0x${partitionId.toString(16)}`);
    this.model.synic.post(vp.cpu, apicEoiMessage(p.id, vpIndex, vector));
  }

  /**
   * World control: the guest reads or writes guest pages: sets accessed, and dirty on a write, where
   * the mapping allows the access (a write to a read-only page faults and marks nothing).
   */
  guestTouch(partitionId: bigint, gfn: number, pages: number, write: boolean): void {
    const p = this.model.resolve(partitionId);
    if (p === undefined) throw new RangeError(`guestTouch: no partition 0x${partitionId.toString(16)}`);
    p.gpa.touch(gfn, pages, write);
  }

  /** World control: let simulated time pass. */
  advanceTime(ns: bigint): void {
    this.clock.advance(ns);
    this.model.synic.postDue(this.clock.now());
  }

  /**
   * Convenience for tests and simple drivers: take the message in `cpu`'s SINT0 slot (copy), clear the
   * slot and write EOM when more are pending, as the driver's ISR does. Undefined when empty.
   */
  takeSint0Message(cpu: number): Uint8Array | undefined {
    const slot = this.host.sint0Slot(cpu);
    const view = new DataView(slot.buffer, slot.byteOffset, slot.byteLength);
    if (view.getUint32(0, true) === 0) return undefined;
    const msg = slot.slice();
    const pending = ((slot[5] ?? 0) & 1) !== 0;
    view.setUint32(0, 0, true);
    slot[5] = 0;
    if (pending) this.host.endOfMessage(cpu);
    return msg;
  }

  #view(p: Partition): PartitionView {
    return {
      id: p.id,
      state: p.state,
      isRoot: p.isRoot,
      creationFlags: p.creationFlags,
      pool: {
        freePages: p.pool.freePages,
        usedPages: p.pool.usedPages,
        depositedTotal: p.pool.depositedTotal,
        withdrawnTotal: p.pool.withdrawnTotal,
      },
      slatPages: p.gpa.slatPages,
      mappedPages: p.gpa.mappedPages(),
      gpaExtents: p.gpa.extents.size,
      unmapMissPages: p.gpa.unmapMissPages,
      timeFrozen: p.timeFrozen,
      referenceTime: this.model.referenceTime(p),
      vps: [...p.vps.values()].map((vp) => ({
        index: vp.index,
        cpu: vp.cpu,
        explicitSuspend: vp.explicitSuspend,
        interceptSuspend: vp.interceptSuspend,
        dispatchSuspend: vp.dispatchSuspend,
        signalCount: vp.signalCount,
        halted: vp.halted,
        thread: vp.thread,
        scriptLeft: vp.script.length,
        exits: vp.exits,
        pendingVectors: [...vp.pendingVectors],
        interruptsAsserted: vp.interruptsAsserted,
        statePages: [...vp.statePages].map(([type, page]) => ({ type, pfn: page.pfn })),
        statsPages: [...vp.statsPages].map(([area, page]) => ({ area, pfn: page.pfn })),
      })),
      ports: [...p.ports.values()].map((x) => ({ id: x.id, type: x.type, connections: [...x.connections] })),
      connections: [...p.connections.values()].map((c) => ({
        id: c.id,
        portPartition: c.portPartition,
        portId: c.portId,
        gpa: c.gpa,
      })),
      asyncCompletions: p.asyncCompletions,
    };
  }
}
