import { isErrnoName } from '../hv/Errno.js';
import { MSHV_MAX_VPS } from '../hv/uapi/flags.js';
import { LogWriter } from '../log/LogWriter.js';
import { openLoggedPlane, planeRunMeta } from '../replay/openLoggedPlane.js';
import { runHeader } from '../replay/RunMeta.js';
import { ControlPlane, type PlaneParts } from '../runtime/ControlPlane.js';
import type { RecordSink } from '../runtime/RecordSink.js';
import type { HostMigration } from '../runner/RunWorld.js';
import { MIGRATE_DURING, type MigrateDuring } from '../scenario/MigrateDuring.js';
import { SimWorld } from '../runner/SimWorld.js';
import type { Scenario } from '../scenario/Scenario.js';
import { createArgsOf } from './createArgsOf.js';
import { GuestControl } from './GuestControl.js';
import { objectArg } from './objectArg.js';
import { argumentError, hostError } from './HostError.js';
import { type HostOptions, hostWorld, vmmOption } from './HostOptions.js';
import { HostSession } from './HostSession.js';
import { type HostStats, StatsRecorder } from './HostStats.js';
import { Partition } from './Partition.js';
import type { PartitionSpec } from './PartitionSpec.js';
import { type Result, failure, success } from './Result.js';
import { retryInterrupted } from './retryInterrupted.js';
import { U64_END, intField, u64Field } from './u64Field.js';
import { Vp } from './Vp.js';
import { describeArg } from '../scenario/describeArg.js';

/** Bytes per page of the ranges the host's mm moves. */
const PAGE = 4096n;
/** Partition names: what a log and a lane key can carry unquoted. */
const NAME = /^[A-Za-z0-9._-]{1,64}$/;

/** What wrote a log the Host API made. */
export const HOST_LOG_CREATED_BY = 'mshv-control host api';

/**
 * The entry point of the Host API: the one object a VMM constructs (rust-vmm's "system" object).
 * It opens /dev/mshv on an adapter (the deterministic simulated hypervisor), makes partitions, and
 * controls the simulated world. Every call is synchronous and returns a Result, except `vp.run()`,
 * whose thread may sleep in the kernel (docs/DECISIONS.md, "The Host API is synchronous except runs").
 *
 * Every request goes through the one control plane the replay engine and the model checker share;
 * with `log`, every intent, transition, operation, hypercall and result is recorded.
 *
 * @example
 * const opened = Host.open({ seed: 7, hostMemory: [{ kind: 'ram', userAddr: 0x7f00_0000_0000n, size: 1n << 30n, pageSize: 2097152 }] });
 * if (!opened.ok) throw new Error(opened.error.message);
 * const host = opened.value;
 * const vm = host.createPartition({ name: 'vm0', flags: ['LAPIC', 'X2APIC', 'GPA_SUPER_PAGES'] });
 * host.close();
 */
export class Host {
  readonly #session: HostSession;
  readonly #scenario: Scenario;
  readonly #writer: LogWriter | undefined;
  readonly #partitions = new Map<string, Partition>();
  /** Partitions this host made, closed ones included (where default names start). */
  #created = 0;

  private constructor(session: HostSession, scenario: Scenario, writer: LogWriter | undefined) {
    this.#session = session;
    this.#scenario = scenario;
    this.#writer = writer;
  }

  /**
   * Open a host. Bad options are EINVAL naming `options.<field>` and the rule; a log path that
   * exists is EEXIST (a log is never overwritten), one in a missing directory ENOENT.
   *
   * @example
   * const host = Host.open({ seed: 7, log: '/tmp/run.log' });
   */
  static open(options: HostOptions = {}): Result<Host> {
    const op = 'Host.open';
    const world = hostWorld(options);
    if (!world.ok) return world;
    const scenario = world.value;
    if (options.log !== undefined && typeof options.log !== 'string' && !isSink(options.log))
      return failure(argumentError(op, 'options.log', 'pathOrSink', 'expected a file path or a RecordSink'));
    let writer: LogWriter | undefined;
    if (typeof options.log === 'string') {
      const created = createLog(op, options.log, scenario, options);
      if (!created.ok) return created;
      writer = created.value;
    }
    const sink: RecordSink | undefined =
      writer ?? (typeof options.log === 'string' ? undefined : options.log);
    const stats = new StatsRecorder();
    const worldOptions = options.hostRamBytes === undefined ? {} : { hostRamBytes: options.hostRamBytes };
    const machines = {
      ...(options.machines === undefined ? {} : { machines: options.machines }),
      ...vmmOption(options),
    };
    // Logged: the replay engine's wiring (snapshots every DEFAULT_SNAPSHOT_EVERY records, hypercalls
    // with their bytes), so `mshv-control replay` re-runs the log through the same machines.
    const { plane, world: sim } =
      sink === undefined
        ? unlogged(scenario, stats, worldOptions, machines)
        : openLoggedPlane(scenario, sink, { recorder: stats, world: worldOptions, ...machines });
    return success(new Host(new HostSession(plane, sim, stats), scenario, writer));
  }

  /** The seed every deterministic choice came from. */
  get seed(): number {
    return this.#scenario.seed;
  }

  /** The log file the host writes, when it was opened with a path. */
  get logPath(): string | undefined {
    return this.#writer?.path;
  }

  /** Whether the host takes calls (until `close`). */
  get open(): boolean {
    return this.#session.open;
  }

  /**
   * The seed first, then every knob the simulated machine derived from it, one per line (the same
   * seed and options give the same lines and the same run).
   *
   * @example
   * host.describe()[0]; // 'seed 7'
   */
  describe(): readonly string[] {
    return this.#session.world.describe();
  }

  /**
   * The world the host runs, as a scenario without steps (what its log header records).
   *
   * @example
   * host.world().hypervisor.scheduler; // 'core-smt'
   */
  world(): Scenario {
    return this.#scenario;
  }

  /**
   * MSHV_CREATE_PARTITION: a new partition in `created`. Flags are MSHV_PT_BIT names; the name of a
   * partition of this host that is not closed is refused (EEXIST); a closed one's may be used again
   * (the old handle stays refused: it never reaches the new partition). A create the driver fails
   * EINTR or EAGAIN is made again, up to `CREATE_ATTEMPTS_MAX` attempts (vmm-lifecycle-rules 4).
   *
   * @example
   * const vm = host.createPartition({ name: 'vm0', flags: ['LAPIC', 'X2APIC', 'GPA_SUPER_PAGES'] });
   */
  createPartition(spec: PartitionSpec): Result<Partition> {
    const op = 'host.createPartition';
    if (!this.#session.open) return this.#session.closedError(op);
    const bad = objectArg(
      op,
      'spec',
      spec,
      'a PartitionSpec { flags, name?, disabledCpuFeatures?, disabledXsave? }',
      ['flags', 'name', 'disabledCpuFeatures', 'disabledXsave'],
    );
    if (bad !== undefined) return bad;
    if (spec.name !== undefined && (typeof spec.name !== 'string' || !NAME.test(spec.name)))
      return failure(
        argumentError(
          op,
          'name',
          'partitionName',
          `${describeArg(spec.name)}: 1 to 64 letters, digits, '.', '_' or '-'`,
        ),
      );
    const args = createArgsOf(op, spec);
    if (!args.ok) return args;
    const name = spec.name ?? this.#freeName();
    // Rule 4: a create the driver fails EINTR or EAGAIN is made again (bounded).
    const r = retryInterrupted(() =>
      this.#session.request(op, (plane) => plane.createPartition(name, args.value)),
    );
    if (!r.ok) return r;
    if (typeof r.value !== 'number')
      throw new Error(`${op}: the control plane answered ${JSON.stringify(r.value)}`);
    const partition = new Partition(this.#session, name, r.value, (p) => {
      if (this.#partitions.get(p.name) === p) this.#partitions.delete(p.name);
    });
    this.#partitions.set(name, partition);
    this.#created += 1;
    return success(partition);
  }

  /**
   * The partitions this host made that are not closed in full, in creation order. A partition's
   * close lets it go (the control plane forgets it, and so does the host), so a host that makes and
   * closes VMs for as long as it runs holds its live ones only; a handle kept after its close
   * answers EBADF, and its name may be used again.
   */
  get partitions(): readonly Partition[] {
    return [...this.#partitions.values()];
  }

  /**
   * World control for one VP of the simulated adapter: its guest's next exits and signals to its
   * thread.
   *
   * @example
   * host.guest(vm, 0).exits([{ exit: 'HALT' }]);
   */
  guest(partition: Partition | string, vp: Vp | number): GuestControl {
    const session = this.#session;
    // A JavaScript caller's stray value names no partition; the guest's calls then answer EBADF.
    const p: unknown = partition;
    const name = typeof p === 'string' ? p : p instanceof Partition ? p.name : '';
    // A handle names the partition it was made for; a name, the partition that has it now. Another
    // host's handle names nothing here, even when a partition of this host has its name.
    const serial = session.plane.partitionSerial(name);
    const ref =
      p instanceof Partition
        ? session.owns(p)
          ? p.ref
          : undefined
        : serial === undefined
          ? undefined
          : { name, serial };
    const v: unknown = vp;
    if (v instanceof Vp)
      return new GuestControl(session, name, v.index, [ref, session.owns(v) ? v.ref : undefined]);
    const index = intField('host.guest', 'vp', v, 0, MSHV_MAX_VPS - 1, 'vpIndexBelowMax');
    return new GuestControl(
      session,
      name,
      index.ok ? index.value : -1,
      [ref, ref],
      index.ok ? undefined : index.error,
    );
  }

  /**
   * World control of the simulated adapter: the host's mm moves the VMM process's pages in
   * `[userAddr, userAddr + size)` (page migration, compaction, swap). The MMU notifiers of the
   * movable regions over the range run first (NEW: remap no-access, forget the pages; the guest's
   * next access faults them in again), then every unpinned resident page of 4 KiB-backed memory moves.
   * Logged as an intent, so a replay moves the same pages. A range not page aligned, empty or past
   * 2^64 is EINVAL naming the field.
   *
   * `{ during: 'nextFaultIn' }` arms the migration instead: it starts while the next movable-region
   * fault-in over a page of the range runs, after the kernel resolved the pages and before it maps
   * them (the race NEW's mmu_interval_read_retry loop handles: the fault-in is taken again); the
   * value is all zeros, and a second armed migration is EBUSY until the first has fired. An options
   * object with another key, or another `during`, is EINVAL naming it.
   *
   * @example
   * host.migrateUserPages(0x7f00_0000_0000n, 0x20_0000n); // { ok: true, value: { regions: 1, failed: 0, moved: 512, pinned: 0, mappedFreed: 0 } }
   * host.migrateUserPages(0x7f00_0000_0000n, 0x20_0000n, { during: 'nextFaultIn' }); // armed
   */
  migrateUserPages(
    userAddr: bigint,
    size: bigint,
    options: { readonly during?: MigrateDuring } = {},
  ): Result<HostMigration> {
    const op = 'host.migrateUserPages';
    const during = migrateDuring(op, options);
    if (!during.ok) return during;
    const addr = u64Field(op, 'userAddr', userAddr);
    if (!addr.ok) return addr;
    const bytes = u64Field(op, 'size', size);
    if (!bytes.ok) return bytes;
    const hex = (v: bigint): string => `0x${v.toString(16)}`;
    if (addr.value % PAGE !== 0n)
      return failure(
        argumentError(op, 'userAddr', 'pageAligned', `${hex(addr.value)} is not a multiple of ${PAGE}`),
      );
    if (bytes.value === 0n)
      return failure(argumentError(op, 'size', 'nonZero', 'a range has at least one page'));
    if (bytes.value % PAGE !== 0n)
      return failure(
        argumentError(op, 'size', 'pageAligned', `${hex(bytes.value)} is not a multiple of ${PAGE}`),
      );
    if (addr.value + bytes.value > U64_END)
      return failure(argumentError(op, 'size', 'noWrap', 'userAddr + size passes 2^64'));
    const r = this.#session.request(op, (plane) =>
      plane.migrateUserPages(addr.value, bytes.value, during.value),
    );
    return r.ok ? success(r.value as unknown as HostMigration) : r;
  }

  /**
   * Hypercalls by kind, deposits and interrupt windows so far.
   *
   * @example
   * host.stats().windows.largestReps; // 509
   */
  stats(): HostStats {
    return this.#session.currentStats();
  }

  /**
   * The simulated machine's page-conservation audit (adapters/simulated/audit.ts): every host page
   * owned once, pools balanced, nothing leaked. A checker's view, read-only.
   *
   * @example
   * host.close(); host.audit().ok; // true: teardown left nothing behind
   */
  audit(): { readonly ok: boolean; readonly violations: readonly string[]; readonly leakedPages: number } {
    const { ok, violations, leakedPages } = this.#session.world.machine.audit();
    return { ok, violations, leakedPages };
  }

  /** Runs whose thread sleeps in MSHV_RUN_VP, waiting for an exit or a kick. */
  get sleepingRuns(): number {
    return this.#session.waitingRuns;
  }

  /**
   * Close every partition still open (each run asleep in MSHV_RUN_VP ends with EINTR), then the log
   * file the host opened. Later calls answer EBADF. Closing twice is a no-op.
   *
   * @example
   * host.close();
   */
  close(): Result<void> {
    if (!this.#session.open) return success(undefined);
    let first: Result<void> = success(undefined);
    for (const p of this.#partitions.values()) {
      if (p.phase === 'closed') continue;
      const r = p.close();
      if (!r.ok && first.ok) first = r;
    }
    this.#session.end();
    this.#writer?.close();
    return first;
  }

  /** `vm<n>` from the number of partitions made so far: a default name is never used twice. */
  #freeName(): string {
    for (let n = this.#created; ; n++) if (!this.#partitions.has(`vm${n}`)) return `vm${n}`;
  }
}

function isSink(v: unknown): v is RecordSink {
  if (v === null || typeof v !== 'object') return false;
  const s = v as Partial<Record<keyof RecordSink, unknown>>;
  return typeof s.append === 'function' && typeof s.commit === 'function';
}

/** A plane on a world that records nothing but the counters. */
function unlogged(
  scenario: Scenario,
  stats: StatsRecorder,
  worldOptions: { readonly hostRamBytes?: bigint },
  machines: Pick<PlaneParts, 'machines' | 'vmm'>,
): { readonly plane: ControlPlane; readonly world: SimWorld } {
  const world = new SimWorld(scenario, stats, worldOptions);
  return { plane: new ControlPlane(world, machines), world };
}

/**
 * A new log file whose header carries the run meta (the seed, the world, the host RAM), so
 * `mshv-control replay` rebuilds the same machine and re-runs the host's intents.
 */
function createLog(op: string, path: string, scenario: Scenario, options: HostOptions): Result<LogWriter> {
  const meta = planeRunMeta(scenario, {
    ...(options.hostRamBytes === undefined ? {} : { world: { hostRamBytes: options.hostRamBytes } }),
    ...vmmOption(options),
  });
  try {
    return success(
      LogWriter.create(
        path,
        runHeader(meta, HOST_LOG_CREATED_BY),
        options.durability === undefined ? {} : { durability: options.durability },
      ),
    );
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (typeof code !== 'string' || !isErrnoName(code)) throw e;
    return failure(hostError(op, code, 'logCreatable', `${path}: ${(e as Error).message}`, 'options.log'));
  }
}

/** `migrateUserPages`'s options: an object whose only member is `during`, absent or one of MIGRATE_DURING. */
function migrateDuring(op: string, options: unknown): Result<MigrateDuring | undefined> {
  const bad = objectArg(op, 'options', options, 'options { during? }', ['during']);
  if (bad !== undefined) return bad;
  const during = (options as { readonly during?: unknown }).during;
  if (during === undefined) return success(undefined);
  if (typeof during === 'string' && (MIGRATE_DURING as readonly string[]).includes(during))
    return success(during as MigrateDuring);
  return failure(
    argumentError(
      op,
      'options.during',
      'oneOf',
      `${describeArg(during)} is not one of ${MIGRATE_DURING.join(', ')}`,
    ),
  );
}
