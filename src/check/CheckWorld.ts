import type { TransitionMemo } from '../../machines/TransitionMemo.js';
import type { InsideCrash } from './Step.js';
import type { RandomFaultRates } from '../../adapters/simulated/faults/FaultPlan.js';
import type { Partition } from '../../adapters/simulated/model/Partition.js';
import { traitsOf, type HypercallDef, type HypercallTraits } from '../hv/Hypercall.js';
import { hypercallDefByCode } from '../hv/hypercalls/index.js';
import type { LogRecord, OperationRecord, ResultRecord } from '../log/LogRecord.js';
import type { HypercallRecorder } from '../pipeline/HypercallRecorder.js';
import type { KernelPartition } from '../pipeline/driver/KernelPartition.js';
import type { HvPage } from '../ports/HvPage.js';
import type { HypervisorPort } from '../ports/HypervisorPort.js';
import { applyIntent } from '../runtime/applyIntent.js';
import { ControlPlane } from '../runtime/ControlPlane.js';
import { MemorySink, NULL_SINK, type RecordSink } from '../runtime/RecordSink.js';
import { SinkRecorder } from '../runtime/SinkRecorder.js';
import { liveInventory } from '../replay/liveInventory.js';
import { PlaneDriver } from '../replay/PlaneDriver.js';
import { planeRunMeta } from '../replay/openLoggedPlane.js';
import type { RunMeta } from '../replay/RunMeta.js';
import type { RequestOutcome } from '../runtime/RequestOutcome.js';
import { DRIVER_CPU } from '../runner/SimWorld.js';
import type { FaultPlanEntry, Scenario } from '../scenario/Scenario.js';
import { hvStatusName } from '../hv/HvStatus.js';
import { refusedTeardownCall } from '../pipeline/driver/refusedTeardownCall.js';
import type { CheckWorldSpec } from './CheckModel.js';
import type { CheckVariant } from './CheckVariant.js';
import type { Coverage } from './Coverage.js';
import { ALL_INVARIANTS } from './invariants/index.js';
import type { Invariant, ObservedCall, StepView, Verdict, Violation } from './invariants/Invariant.js';
import { type CrashRecovery, recoverCrashedRun } from './recoverCrashedRun.js';
import type { Step } from './Step.js';
import { VpRestoreLog } from './VpRestoreLog.js';
import { LossySimWorld } from '../runner/LossySimWorld.js';

/** What one step came to. */
export interface StepReport {
  readonly outcome: RequestOutcome | undefined;
  readonly error: unknown;
  /** The first invariant the step violated (only while observing). */
  readonly violation: Violation | undefined;
  /** The request was refused by a machine guard: nothing ran, the world is as it was. */
  readonly unchanged: boolean;
  /** Operations the step completed (result records): the places a crash inside it can fall. */
  readonly operations: number;
}

/** Thrown from the sink where the VMM dies inside an operation (its result never recorded). */
class ProcessDeath extends Error {
  constructor() {
    super('the VMM process died inside an operation');
  }
}

/** Per-step memory of the invariants (reset before every step). */
export interface StepScratch {
  /** The window whose reps `windowReps` counts. */
  window: number | null;
  windowReps: number;
  /** The last call that answered INSUFFICIENT_MEMORY with no DEPOSIT_MEMORY issued since. */
  owedDeposit: string | null;
  /** A call that answered INSUFFICIENT_MEMORY, got its deposit, and has not been issued again since. */
  owedRetry: string | null;
  /** `partition/vp/kind/type` of every state or stats page unmap issued in the step. */
  readonly unmapped: Set<string>;
  /** Hypercalls issued in the step, by name (which armed faults the step could fire). */
  readonly calls: Map<string, number>;
  /** Partitions whose asynchronous call answered CALL_PENDING in the step. */
  readonly pendingAsync: Set<bigint>;
  /** The last UNMAP_GPA_PAGES batch issued in the step (`unmapBatches`), or null. */
  unmapBatch: UnmapBatch | null;
  /** The id of the operation the step is in (its operation record seen, `kernelErrno`), or null. */
  operation: number | null;
  /** Per operation id, its first hypercall that failed with a status the driver does not absorb. */
  readonly failedCalls: Map<number, { readonly call: string; readonly status: number }>;
}

/** One UNMAP_GPA_PAGES batch as the hypervisor saw it: where its range would go on, and whether it all ran. */
export interface UnmapBatch {
  readonly partition: bigint;
  readonly flags: number;
  /** Its first GPA page. */
  readonly base: bigint;
  /** The GPA page after its last rep (the base of a batch that continues its range). */
  readonly end: bigint;
  readonly repCount: number;
  /** Every rep completed with SUCCESS (over its partial-completion resumes). */
  complete: boolean;
}

export interface CheckWorldOptions {
  readonly world: CheckWorldSpec;
  readonly variant?: CheckVariant | undefined;
  /** Seeded random faults (the random strategy's swarm rates). */
  readonly randomFaults?: RandomFaultRates | undefined;
  readonly invariants?: readonly Invariant[];
  /** Where the ControlPlane's records go (a counterexample's log); none by default. */
  readonly sink?: RecordSink;
  /**
   * Log every record into this from the first step (plane records and hypercalls with their bytes,
   * unless `sink` or `recorder` say otherwise): a crash then recovers from what it committed instead
   * of re-running the world's steps on a logging world.
   */
  readonly log?: MemorySink;
  /** The driver's hypercall recorder (a counterexample's log wants bytes); none by default. */
  readonly recorder?: HypercallRecorder;
  readonly coverage?: Coverage | undefined;
  /**
   * At a crash, run `recover` on the log the run committed (default true): the world re-runs its
   * steps once more on a logging world to produce that log. False for that logging world itself.
   */
  readonly recover?: boolean;
  /** The machine steps already taken, shared by every world of one explorer (`TransitionMemo`). */
  readonly memo?: TransitionMemo | undefined;
}

const NO_RECORDER: HypercallRecorder = { wantsBytes: false, record: () => undefined };
const EMPTY: ReadonlySet<string> = new Set();

/**
 * A check world's scenario: its header fields and no steps.
 *
 * @example
 * worldScenario(world, 'crash-3'); // { format: 1, name: 'crash-3', seed: world.seed, ..., steps: [] }
 */
export function worldScenario(world: CheckWorldSpec, name = 'check'): Scenario {
  return {
    format: 1,
    name,
    seed: world.seed,
    hypervisor: world.hypervisor,
    ...(world.kernel === undefined ? {} : { kernel: world.kernel }),
    hostMemory: world.hostMemory,
    steps: [],
  };
}

/**
 * The run meta of a log a check world writes (a crash point's, a counterexample's): the world with
 * every fault the path armed, resolved to absolute call counts, so a replay's simulated hypervisor
 * answers as the run's did; the random fault rates; the VMM; no snapshots.
 *
 * @example
 * armedRunMeta(model.world, world.armed).vocabulary; // 'control-plane'
 */
export function armedRunMeta(
  spec: CheckWorldSpec,
  armed: readonly FaultPlanEntry[],
  randomFaults: RandomFaultRates | undefined,
): RunMeta {
  const world = worldScenario({
    ...spec,
    hypervisor: { ...spec.hypervisor, faults: [...spec.hypervisor.faults, ...armed] },
  });
  const meta = planeRunMeta(world, {
    snapshotEvery: 0,
    ...(randomFaults === undefined ? {} : { world: { randomFaults } }),
    ...(spec.vmm === undefined ? {} : { vmm: spec.vmm }),
  });
  // A world that loses signals says so: replay and recover rebuild it losing the same ones.
  const lose = spec.lostSignals ?? 0;
  return lose > 0 ? { ...meta, lostSignals: lose } : meta;
}

/**
 * One explored world: the shipped stack (ControlPlane over the driver model over the simulated
 * hypervisor) built from the model's world, with a planted variant if any, observed by the
 * invariants. A path is re-run in a fresh CheckWorld from the root (cheaper than a snapshot fork,
 * DECISIONS.md), which is deterministic: same world, same steps, same state.
 *
 * Observation is switched on only for the steps the explorer is judging (`observing`); replaying a
 * known prefix runs unobserved and pays nothing for the invariants.
 *
 * @example
 * const w = new CheckWorld({ world: model.world });
 * w.observing = true;
 * w.run({ kind: 'intent', name: 'createPartition', args: { key: 'vm0', args: { ptFlags: '0x0', ptIsolation: '0x0' } } });
 */
export class CheckWorld {
  /** The simulated world; it loses the model's `world.lostSignals` first signals to VP threads. */
  readonly sim: LossySimWorld;
  readonly plane: ControlPlane;
  /**
   * Host pages the kernel held when the world was built (the driver's per-CPU pages and the like):
   * what it holds again once every partition is released (`conservation`).
   */
  readonly kernelPagesAtStart: number;
  /** Invariants and coverage see the next steps. */
  observing = false;
  readonly scratch: StepScratch = {
    window: null,
    windowReps: 0,
    owedDeposit: null,
    owedRetry: null,
    unmapped: new Set(),
    calls: new Map(),
    pendingAsync: new Set(),
    unmapBatch: null,
    operation: null,
    failedCalls: new Map(),
  };
  /** Faults armed by fault steps, resolved to planned-fault entries, in the order armed. */
  readonly armed: FaultPlanEntry[] = [];
  /** The VMM process died (a crash step): no further steps. */
  crashed = false;
  /**
   * Partitions a teardown call (FINALIZE_PARTITION, WITHDRAW_MEMORY, DELETE_PARTITION) was refused
   * for: the hypervisor keeps what that call would have released (its answer, not a leak). Recorded
   * on every run, observed or not (conservation reads it; the digest holds its size).
   */
  readonly teardownRefused = new Set<bigint>();
  /**
   * Each VP's restore so far (rule 8: the highest-ranked state part written since CREATE_VP, until
   * READY or its first MSHV_RUN_VP). Kept on every run, observed or not (`restoreOutOfOrder` reads
   * it; the digest holds it).
   */
  readonly restores = new VpRestoreLog();
  /** What the crash left for `recover` and what recover made of it (after a crash step, when recovering). */
  recovery: CrashRecovery | undefined;
  readonly #options: CheckWorldOptions;
  /** The steps run so far (intents and armed faults): what a crash's log is re-run from. */
  readonly #steps: Step[] = [];
  readonly #ids = new Map<string, bigint>();
  readonly #coverage: Coverage | undefined;
  readonly #before: Invariant[];
  readonly #after: Invariant[];
  readonly #onOp: Invariant[];
  readonly #afterStep: Invariant[];
  readonly #ops: OperationRecord[] = [];
  /** CREATE_VP operations for a restore awaiting their result: operation id → partition key. */
  readonly #restoreCreates = new Map<number, string>();
  /** Result records the current step appended. */
  #stepOperations = 0;
  /** While a crash inside an intent runs: the operation after which the process dies. */
  #dieAfterOperations: number | undefined;
  readonly #results: ResultRecord[] = [];
  #violation: Violation | undefined;
  readonly #cpuInput: HvPage;
  readonly #regs = new DataView(new ArrayBuffer(16));

  constructor(options: CheckWorldOptions) {
    this.#options = options;
    const invariants = options.invariants ?? ALL_INVARIANTS;
    this.#coverage = options.coverage;
    this.#before = invariants.filter((i) => i.beforeCall !== undefined);
    this.#after = invariants.filter((i) => i.afterCall !== undefined);
    this.#onOp = invariants.filter((i) => i.onOperation !== undefined);
    this.#afterStep = invariants.filter((i) => i.afterStep !== undefined);
    const variant = options.variant;
    const log = options.log;
    const recorder = options.recorder ?? (log === undefined ? NO_RECORDER : new SinkRecorder(log));
    this.sim = new LossySimWorld(
      worldScenario(options.world),
      recorder,
      {
        ...variant?.world,
        ...(options.randomFaults === undefined ? {} : { randomFaults: options.randomFaults }),
        wrapHypervisor: (port) => this.#observe(port),
      },
      options.world.lostSignals ?? 0,
    );
    this.#cpuInput = this.sim.machine.cpuPages(DRIVER_CPU).input;
    this.kernelPagesAtStart = this.sim.machine.ownership().kernel;
    const inner = options.sink ?? log ?? NULL_SINK;
    const sink: RecordSink = {
      append: (record: LogRecord) => {
        if (record.kind === 'operation') this.#noteOperation(record);
        else if (record.kind === 'result') this.#noteResult(record);
        if (record.kind === 'result') {
          this.#stepOperations += 1;
          // The VMM dies here: the operation completed in the kernel, its result is never recorded.
          if (this.#dieAfterOperations === this.#stepOperations) throw new ProcessDeath();
        }
        if (this.observing) this.#record(record);
        return inner.append(record);
      },
      commit: () => inner.commit(),
    };
    this.plane = new ControlPlane(this.sim, {
      sink,
      ...(variant?.machines === undefined ? {} : { machines: variant.machines }),
      ...(options.memo === undefined ? {} : { memo: options.memo }),
      ...(options.world.vmm === undefined ? {} : { vmm: options.world.vmm }),
      ...(variant?.vmm === undefined ? {} : { vmmHooks: variant.vmm }),
    });
  }

  /**
   * Partition keys the plane holds, in creation order: live ones, and closed ones a reference still
   * holds. A partition closed in full is forgotten by the plane (`createdKeys` still lists it).
   */
  keys(): string[] {
    return this.plane.partitionKeys();
  }

  /** Every key a createPartition of this path succeeded for, in creation order (closed ones too). */
  createdKeys(): string[] {
    return [...this.#ids.keys()];
  }

  /** The hypervisor id of a partition key (kept after the fd is closed). */
  partitionId(key: string): bigint | undefined {
    return this.#ids.get(key);
  }

  /**
   * The hypervisor's partition (read only), live or deleted with leaked pages; undefined for one
   * deleted clean (the model forgets it: `hvDeleted` still says so) or never created. Internal: the
   * simulated hypervisor's raw model, for the invariants.
   *
   * @internal
   */
  hvPartition(id: bigint | undefined): Partition | undefined {
    if (id === undefined) return undefined;
    for (const p of this.sim.machine.model.all()) if (p.id === id) return p;
    return undefined;
  }

  /** The hypervisor has deleted the partition with this id (held as deleted, or forgotten). */
  hvDeleted(id: bigint | undefined): boolean {
    return id !== undefined && this.sim.machine.model.wasDeleted(id);
  }

  /** What the driver holds for a partition key while its fd is open. */
  kernelPartition(key: string): KernelPartition | undefined {
    const fd = this.plane.partitionFd(key);
    if (fd === undefined) return undefined;
    for (const pt of this.sim.device.partitions()) if (pt.fd === fd) return pt;
    return undefined;
  }

  /** What the driver holds for a hypervisor partition id, if its fd is open. */
  kernelPartitionById(id: bigint): KernelPartition | undefined {
    for (const pt of this.sim.device.partitions()) if (pt.id === id) return pt;
    return undefined;
  }

  /**
   * Planned faults that have not fired yet, the world's fixed ones (`hypervisor.faults`, counted from
   * the start) and the armed ones, as (call, calls still to come before it: 1 is the next one,
   * status, the delay of a late completion).
   */
  pendingFaults(): {
    readonly call: string;
    readonly ahead: number;
    readonly status: number;
    readonly completionDelayNs?: bigint;
  }[] {
    const counts = this.sim.machine.hypervisor.faults.calls();
    const out: { call: string; ahead: number; status: number; completionDelayNs?: bigint }[] = [];
    for (const f of [...this.#options.world.hypervisor.faults, ...this.armed]) {
      const ahead = f.nth - (counts.get(f.call) ?? 0);
      if (ahead > 0)
        out.push({
          call: f.call,
          ahead,
          status: f.status,
          ...(f.completionDelayNs === undefined ? {} : { completionDelayNs: f.completionDelayNs }),
        });
    }
    return out;
  }

  /** `key/vp` of every run sleeping in MSHV_RUN_VP. */
  pendingRunKeys(): Set<string> {
    return new Set(this.plane.pendingRuns().map((r) => `${r.partition}/${r.vp}`));
  }

  /**
   * Perform one step. While observing, every invariant sees it (its hypercalls, its records, the
   * world after it) and the first violation is reported; coverage counts it. A step that throws is
   * reported, not rethrown: a broken invariant of the runtime or driver is a finding.
   */
  run(step: Step): StepReport {
    if (this.crashed) throw new Error('CheckWorld: no step after a crash');
    this.#violation = undefined;
    this.scratch.window = null;
    this.scratch.windowReps = 0;
    this.scratch.owedDeposit = null;
    this.scratch.owedRetry = null;
    this.scratch.unmapped.clear();
    this.scratch.calls.clear();
    this.scratch.pendingAsync.clear();
    this.scratch.operation = null;
    this.scratch.failedCalls.clear();
    this.scratch.unmapBatch = null;
    this.sim.device.env.windows.takeStrayUse();
    this.#ops.length = 0;
    this.#stepOperations = 0;
    this.#results.length = 0;
    const pendingBefore = this.observing ? this.pendingRunKeys() : EMPTY;
    let outcome: RequestOutcome | undefined;
    let error: unknown;
    try {
      if (step.kind !== 'crash') this.#steps.push(step);
      if (step.kind === 'fault') this.#arm(step);
      else if (step.kind === 'crash') {
        if (step.inside !== undefined) this.#dieInside(step.inside);
        this.#crash(step.inside);
      } else {
        outcome = applyIntent(this.plane, step);
        if (step.name === 'createPartition' && outcome?.status === 'done') this.#noteId(step.args);
        else if (step.name === 'vp' && outcome?.status === 'done') this.#noteReady(step.args);
        else if (step.name === 'partition' && outcome?.status === 'done') this.#noteStart(step.args);
      }
    } catch (e) {
      error = e;
    }
    if (this.observing) {
      const view: StepView = {
        step,
        outcome,
        error,
        pendingBefore,
        operations: this.#ops,
        results: this.#results,
      };
      for (const inv of this.#afterStep) this.#judge(inv, inv.afterStep?.(view, this));
      this.#coverage?.countStep(step, outcome);
    }
    return {
      outcome,
      error,
      violation: this.#violation,
      unchanged: outcome?.status === 'rejected',
      operations: this.#stepOperations,
    };
  }

  #noteId(args: unknown): void {
    const key = (args as { readonly key?: unknown }).key;
    if (typeof key !== 'string') return;
    const fd = this.plane.partitionFd(key);
    const id = fd === undefined ? undefined : this.sim.device.partitionIdOf(fd);
    if (id !== undefined) this.#ids.set(key, id);
  }

  /** A partition the VMM started (START done): a VP restored into it from now on joins its clock. */
  #noteStart(args: unknown): void {
    const a = args as { readonly key?: unknown; readonly request?: { readonly type?: unknown } };
    if (a.request?.type !== 'START' || typeof a.key !== 'string') return;
    const id = this.#ids.get(a.key);
    if (id !== undefined) this.restores.noteStarted(id);
  }

  /** A VP the VMM declared ready (READY done) has finished its restore. */
  #noteReady(args: unknown): void {
    const a = args as {
      readonly key?: unknown;
      readonly vp?: unknown;
      readonly request?: { readonly type?: unknown };
    };
    if (a.request?.type !== 'READY' || typeof a.key !== 'string' || typeof a.vp !== 'number') return;
    const id = this.#ids.get(a.key);
    if (id !== undefined) this.restores.close(id, a.vp);
  }

  /**
   * What the restore bookkeeping needs from an operation as it is issued: a VP entering MSHV_RUN_VP
   * has finished its restore; a CREATE_VP for a restore is remembered until its result.
   */
  #noteOperation(op: OperationRecord): void {
    if (op.name === 'MSHV_RUN_VP') this.#closeRestore(op);
    else if (op.name === 'MSHV_CREATE_VP' && op.id !== null && op.partition !== null) {
      const args = op.args as { readonly restore?: unknown } | null;
      if (args?.restore === true) this.#restoreCreates.set(op.id, op.partition);
    }
  }

  /** A CREATE_VP for a restore that succeeded leaves its partition owing its clock (rules 3, 8). */
  #noteResult(result: ResultRecord): void {
    if (result.op !== 'MSHV_CREATE_VP' || result.id === null) return;
    const key = this.#restoreCreates.get(result.id);
    if (key === undefined) return;
    this.#restoreCreates.delete(result.id);
    const id = this.#ids.get(key);
    if (result.outcome.ok && id !== undefined) this.restores.noteRestoreCreate(id);
  }

  /** A VP entering MSHV_RUN_VP has finished its restore. */
  #closeRestore(op: OperationRecord): void {
    const id = op.partition === null ? undefined : this.#ids.get(op.partition);
    if (id !== undefined && op.vp !== null) this.restores.close(id, op.vp);
    if (id !== undefined) this.restores.noteStarted(id);
  }

  #arm(step: Extract<Step, { kind: 'fault' }>): void {
    const faults = this.sim.machine.hypervisor.faults;
    const nth = (faults.calls().get(step.call) ?? 0) + 1 + step.skip;
    // A call answers one status: a second fault for the same call and nth, armed or one of the
    // world's fixed faults, could never fire (the first planned wins), and a plan that has one is not
    // a loadable scenario (faultPlanCodec): the crash log's and the counterexample's run header would
    // not replay.
    const planned = [...this.#options.world.hypervisor.faults, ...this.armed];
    if (planned.some((f) => f.call === step.call && f.nth === nth)) return;
    const entry: FaultPlanEntry = {
      call: step.call,
      nth,
      status: step.status,
      statusName: hvStatusName(step.status),
      ...(step.completionDelayNs === undefined ? {} : { completionDelayNs: step.completionDelayNs }),
    };
    faults.arm(entry);
    this.armed.push(entry);
  }

  /**
   * The VMM process dies. What it held is listed first; then, when recovering, `recover` runs on the
   * log it committed (rebuild by replay, list, tear down, audit: `recovery`); then the kernel unmaps
   * its VP page mappings and closes its fds in ascending order on this world (the driver's release
   * path), which conservation judges.
   */
  #crash(inside?: InsideCrash): void {
    const held = inside === undefined ? liveInventory(new PlaneDriver(this.plane, this.sim)) : null;
    const report = this.#options.recover === false ? undefined : this.#recoverFromLog(inside);
    const dev = this.sim.device;
    // A dead process's mappings go with its address space, before its files (exit_mm, exit_files).
    for (const address of this.plane.vpMappings()) dev.munmap(address);
    const fds: number[] = [];
    for (const pt of dev.partitions()) {
      fds.push(pt.fd);
      for (const vp of pt.vps.values()) fds.push(vp.fd);
    }
    for (const fd of fds.sort((a, b) => a - b)) dev.close(fd);
    this.crashed = true;
    if (report !== undefined) this.recovery = { held, report };
  }

  /**
   * Run `inside.intent` until its `afterOperations`-th operation has completed in the kernel, and die
   * there: the sink throws as that result would be recorded, so the control plane stops mid-request
   * (a dead process's runtime is never used again; the kernel's state is what counts).
   */
  #dieInside(inside: InsideCrash): void {
    this.#dieAfterOperations = inside.afterOperations;
    let died = false;
    try {
      applyIntent(this.plane, inside.intent);
    } catch (e) {
      if (!(e instanceof ProcessDeath)) throw e;
      died = true;
    } finally {
      this.#dieAfterOperations = undefined;
    }
    if (!died)
      throw new Error(
        `crash inside ${inside.intent.name}: it completed after ${this.#stepOperations} operations, before operation ${inside.afterOperations}`,
      );
  }

  /**
   * Re-run this world's steps (and the death inside an intent, if any) on a world that logs every
   * record, then `recover` the records it had committed.
   */
  #recoverFromLog(inside?: InsideCrash): CrashRecovery['report'] {
    const o = this.#options;
    if (o.log !== undefined && o.sink === undefined && o.recorder === undefined)
      return this.#recover(o.log, this.armed, inside);
    const log = new MemorySink();
    const logged = new CheckWorld({
      world: o.world,
      variant: o.variant,
      randomFaults: o.randomFaults,
      invariants: [],
      sink: log,
      recorder: new SinkRecorder(log),
      recover: false,
      memo: o.memo,
    });
    for (const step of this.#steps) logged.run(step);
    if (inside !== undefined) logged.run({ kind: 'crash', inside });
    return this.#recover(log, logged.armed, inside);
  }

  /** `recover` on what `log` committed, in a world with the faults the path armed. */
  #recover(
    log: MemorySink,
    armed: readonly FaultPlanEntry[],
    inside: InsideCrash | undefined,
  ): CrashRecovery['report'] {
    const o = this.#options;
    // Dying inside an intent, what the process appended after its last commit never reached the log.
    const committed = inside === undefined ? log.records : log.records.slice(0, log.commits.at(-1) ?? 0);
    return recoverCrashedRun(armedRunMeta(o.world, armed, o.randomFaults), committed, {
      variant: o.variant,
      memo: o.memo,
    });
  }

  #record(record: LogRecord): void {
    switch (record.kind) {
      case 'operation':
        this.#ops.push(record);
        for (const inv of this.#onOp) this.#judge(inv, inv.onOperation?.(record, this));
        break;
      case 'result':
        this.#results.push(record);
        break;
      case 'transition':
        this.#coverage?.countTransition(record);
        break;
      default:
        break;
    }
  }

  #judge(inv: Invariant, verdict: Verdict): void {
    if (verdict === null) return;
    this.#coverage?.countInvariant(inv.name);
    if (verdict !== undefined) this.#violation ??= { invariant: inv.name, message: verdict };
  }

  /**
   * Note a teardown call the hypervisor refused for partition `id` (its first input word). Kept on
   * every run, observed or not: conservation's verdict after the last close depends on it, and a
   * prefix replayed unobserved must leave the world what the observed run of the same path left.
   */
  #noteRefusal(control: bigint, status: bigint, id: () => bigint): void {
    if (refusedTeardownCall(Number(control & 0xffffn), Number(status & 0xffffn)))
      this.teardownRefused.add(id());
  }

  #observe(port: HypervisorPort): HypervisorPort {
    return {
      hypercall: (control, input, output) => {
        if (!this.observing) {
          const status = port.hypercall(control, input, output);
          if (input !== null) {
            this.#noteRefusal(control, status, () => input.view.getBigUint64(0, true));
            this.restores.noteCall(Number(control & 0xffffn), input.view, status);
          }
          return status;
        }
        const call = this.#describe(control, input === null ? null : input.view, input === this.#cpuInput);
        return this.#around(call, () => port.hypercall(control, input, output));
      },
      fastHypercall8: (control, a) => {
        if (!this.observing) {
          const status = port.fastHypercall8(control, a);
          this.#noteRefusal(control, status, () => BigInt.asUintN(64, a));
          return status;
        }
        this.#regs.setBigUint64(0, BigInt.asUintN(64, a), true);
        this.#regs.setBigUint64(8, 0n, true);
        return this.#around(this.#describe(control, this.#regs, false), () =>
          port.fastHypercall8(control, a),
        );
      },
      fastHypercall16: (control, a, b) => {
        if (!this.observing) {
          const status = port.fastHypercall16(control, a, b);
          this.#noteRefusal(control, status, () => BigInt.asUintN(64, a));
          return status;
        }
        this.#regs.setBigUint64(0, BigInt.asUintN(64, a), true);
        this.#regs.setBigUint64(8, BigInt.asUintN(64, b), true);
        return this.#around(this.#describe(control, this.#regs, false), () =>
          port.fastHypercall16(control, a, b),
        );
      },
    };
  }

  #around(call: ObservedCall, issue: () => bigint): bigint {
    for (const inv of this.#before) this.#judge(inv, inv.beforeCall?.(call, this));
    const status = issue();
    if (call.input !== null) {
      const input = call.input;
      this.#noteRefusal(call.control, status, () => input.getBigUint64(0, true));
    }
    this.scratch.calls.set(call.name, (this.scratch.calls.get(call.name) ?? 0) + 1);
    for (const inv of this.#after) this.#judge(inv, inv.afterCall?.(call, status, this));
    // After the invariants: restoreOutOfOrder judges a write against what was written before it.
    if (!call.fast) this.restores.noteCall(call.code, call.input, status);
    this.#coverage?.countCall(call.code, Number(status & 0xffffn));
    return status;
  }

  #describe(control: bigint, input: DataView | null, perCpu: boolean): ObservedCall {
    const code = Number(control & 0xffffn);
    const known = defOf(code);
    return {
      code,
      name: known?.def.name ?? `0x${code.toString(16)}`,
      def: known?.def,
      traits: known?.traits,
      fast: ((control >> 16n) & 1n) === 1n,
      control,
      repCount: Number((control >> 32n) & 0xfffn),
      repStart: Number((control >> 48n) & 0xfffn),
      input,
      perCpu,
      window: this.sim.device.env.windows.current,
    };
  }
}

const defs = new Map<number, { readonly def: HypercallDef; readonly traits: HypercallTraits } | undefined>();

function defOf(code: number): { readonly def: HypercallDef; readonly traits: HypercallTraits } | undefined {
  if (defs.has(code)) return defs.get(code);
  const def = hypercallDefByCode(code);
  const entry = def === undefined ? undefined : { def, traits: traitsOf(def) };
  defs.set(code, entry);
  return entry;
}
