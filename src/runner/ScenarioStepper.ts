import { hvMessageTypeName } from '../hv/flags/HvMessageType.js';
import { MSHV_REQUEST } from '../hv/uapi/MshvIoctl.js';
import type { JsonObject } from '../log/JsonValue.js';
import { toJsonValue } from '../log/toJsonValue.js';
import { EVENTFD_READ, EVENTFD_WRITE } from '../pipeline/driver/Eventfd.js';
import { type IoctlResult, ok } from '../pipeline/driver/IoctlResult.js';
import type { KernelPartition } from '../pipeline/driver/KernelPartition.js';
import type { Step } from '../scenario/Scenario.js';
import type { OperationObserver } from './OperationObserver.js';
import { armMigrationRace } from './armMigrationRace.js';
import { type HostMigration, MM_MIGRATE, type RunWorld } from './RunWorld.js';
import type { StepOutcome } from './StepOutcome.js';
import type { TraceRecorder } from './TraceRecorder.js';
import { parseVpKey, vpKey } from './vpKey.js';

/** Where a stepper reports: the trace (ioctls and hypercalls as JSON Lines) and the event log. */
export interface StepperOptions {
  readonly trace?: TraceRecorder | undefined;
  readonly observer?: OperationObserver | undefined;
}

/** The fds a scenario run holds, by the names its steps use. */
export interface ScenarioFds {
  /** Partition name → partition fd, for partitions created and not closed. */
  readonly partitions: ReadonlyMap<string, number>;
  /** `partition/vpIndex` (`vpKey`: the pair, split at the last `/`) → VP fd. */
  readonly vps: ReadonlyMap<string, number>;
  /** Scenario eventfd number → the eventfd the runner created for it. */
  readonly eventfds: ReadonlyMap<number, number>;
}

/** A stepper's state as JSON (`saveState`): the fd names and the operation count. */
export interface StepperState {
  readonly partitions: readonly (readonly [string, number])[];
  readonly vps: readonly (readonly [string, number])[];
  readonly eventfds: readonly (readonly [number, number])[];
  readonly operations: number;
}

/**
 * Runs scenario steps one at a time against a world's device, keeping the names steps use (partition
 * and VP fds, scenario eventfd numbers). Every ioctl and close(2) is announced to the trace and the
 * observer before it runs and closed with its outcome after. Between steps its whole state is a small
 * JSON value (`saveState`), which is how a log snapshot carries a scenario run.
 *
 * @example
 * const stepper = new ScenarioStepper(world);
 * for (const [i, step] of scenario.steps.entries()) stepper.run(i, step);
 */
export class ScenarioStepper {
  readonly #world: RunWorld;
  readonly #trace: TraceRecorder | undefined;
  readonly #observer: OperationObserver | undefined;
  readonly #partitions: Map<string, number>;
  readonly #vps: Map<string, number>;
  readonly #eventfds: Map<number, number>;
  #operations: number;

  constructor(world: RunWorld, options: StepperOptions = {}, state?: StepperState) {
    this.#world = world;
    this.#trace = options.trace;
    this.#observer = options.observer;
    this.#partitions = new Map(state?.partitions ?? []);
    this.#vps = new Map(state?.vps ?? []);
    this.#eventfds = new Map(state?.eventfds ?? []);
    this.#operations = state?.operations ?? 0;
  }

  /** The fds the run holds now. */
  get fds(): ScenarioFds {
    return { partitions: this.#partitions, vps: this.#vps, eventfds: this.#eventfds };
  }

  /** The state between steps, JSON-safe; `new ScenarioStepper(world, options, state)` continues from it. */
  saveState(): StepperState & JsonObject {
    return {
      partitions: [...this.#partitions],
      vps: [...this.#vps],
      eventfds: [...this.#eventfds],
      operations: this.#operations,
    };
  }

  /**
   * Run one step (index `index` of its scenario) and report what it returned against its expect.
   * A step whose call never returns because of a hypervisor answer the scenario's fault plan gave
   * and no hypervisor gives (the world's `faultWatch`: CALL_PENDING completed never or too late,
   * SUCCESS without running the call) is reported as `aborted`: the trace closes the open ioctl as
   * aborted, the event log keeps the operation without a result (as a crash inside it leaves it).
   * Any other throw is a fault of the tool and goes on.
   */
  run(index: number, step: Step): StepOutcome {
    const watch = this.#world.faultWatch?.();
    try {
      return this.#run(index, step);
    } catch (e) {
      const why = watch?.(e);
      if (why === undefined) throw e;
      this.#trace?.abortIoctl(why);
      return {
        index,
        op: step.op,
        partition: step.partition,
        expected: step.expect,
        actual: 'aborted',
        detail: e instanceof Error ? e.message : String(e),
        aborted: why,
      };
    }
  }

  #run(index: number, step: Step): StepOutcome {
    this.#observer?.step(index, step);
    const dev = this.#world.device;
    const base = { index, op: step.op, partition: step.partition, expected: step.expect };
    const refused = (why: string, detail = ''): StepOutcome => ({
      ...base,
      actual: 'refused',
      detail,
      refused: why,
    });
    const done = <T>(r: IoctlResult<T>, detail: (v: T) => string): StepOutcome =>
      r.ok
        ? { ...base, actual: 'ok', detail: detail(r.value) }
        : { ...base, actual: r.error.errnoName, error: r.error, detail: r.error.message };
    // A partition whose creation failed or that was closed has no fd: its ioctls answer EBADF.
    const ptFd = this.#partitions.get(step.partition) ?? -1;
    const vpFd = (vp: number): number => this.#vps.get(vpKey(step.partition, vp)) ?? -1;
    const ioctl = <T>(
      name: keyof typeof MSHV_REQUEST,
      target: { readonly fd: number | null; readonly vp: number | null },
      args: unknown,
      call: () => IoctlResult<T>,
      value: (v: T) => number = () => 0,
    ): IoctlResult<T> =>
      this.#operation(step.partition, name, MSHV_REQUEST[name], target, args, call, (r) => {
        this.#trace?.endIoctl(r.ok ? value(r.value) : -r.error.errno);
      });
    const onPt = { fd: ptFd, vp: null };
    const onVp = (vp: number): { fd: number; vp: number } => ({ fd: vpFd(vp), vp });

    switch (step.op) {
      case 'createPartition': {
        // A second partition under an open name could never be reached again (its fds would be
        // overwritten): the loader refuses it; a Scenario built in code is refused here.
        const open = this.#partitions.get(step.partition);
        if (open !== undefined && step.expect === 'ok')
          return refused(
            `partition '${step.partition}' is already open (fd ${open}); close it (closePartition) before creating it again, or use another name`,
          );
        const args = {
          ptFlags: step.flags,
          ptIsolation: step.isolation,
          v2: {
            numCpuFbanks: step.numCpuFbanks,
            cpuFbanks: [step.cpuFbanks[0] ?? 0n, step.cpuFbanks[1] ?? 0n] as const,
            disabledXsave: step.disabledXsave,
            rsvd: packBytes(step.rsvd),
            rsvd1: (step.rsvd1[0] ?? 0n) | (step.rsvd1[1] ?? 0n),
          },
        };
        const r = ioctl(
          'MSHV_CREATE_PARTITION',
          { fd: null, vp: null },
          args,
          () => dev.createPartition(args),
          (fd) => fd,
        );
        if (r.ok && open === undefined) this.#partitions.set(step.partition, r.value);
        const unbound =
          open === undefined ? '' : ` (not bound: '${step.partition}' is still open as fd ${open})`;
        return done(r, (fd) => `fd ${fd}, partition id ${String(dev.partitionIdOf(fd))}${unbound}`);
      }
      case 'initializePartition':
        return done(
          ioctl('MSHV_INITIALIZE_PARTITION', onPt, {}, () => dev.initializePartition(ptFd)),
          () => 'initialized',
        );
      case 'setGuestMemory': {
        const region = {
          size: step.size,
          guestPfn: step.guestPfn,
          userspaceAddr: step.userAddr,
          flags: step.flags,
          rsvd: packBytes(step.rsvd),
        };
        return done(
          ioctl('MSHV_SET_GUEST_MEMORY', onPt, region, () => dev.setGuestMemory(ptFd, region)),
          () => 'done',
        );
      }
      case 'createVp': {
        const r = ioctl(
          'MSHV_CREATE_VP',
          onPt,
          { vpIndex: step.vpIndex },
          () => dev.createVp(ptFd, step.vpIndex),
          (fd) => fd,
        );
        if (r.ok) this.#vps.set(vpKey(step.partition, step.vpIndex), r.value);
        return done(r, (fd) => `vp fd ${fd}`);
      }
      case 'runVp': {
        const runs = Math.max(1, this.#world.exitsSeenByVmm(ptFd, step.guest));
        this.#world.setGuestScript(ptFd, step.vpIndex, step.guest);
        if (step.signal) this.#world.raiseSignal(ptFd, step.vpIndex);
        const seen: string[] = [];
        const armed = this.#world.migrationRaceArmed();
        for (let i = 0; i < runs; i++) {
          // A thread in MSHV_RUN_VP that nothing wakes sleeps for ever (a runtime keeps it waiting,
          // see ControlPlane): the step fails here instead of entering the driver's bounded wait.
          if (this.#world.runWouldBlock(vpFd(step.vpIndex)))
            return refused(
              `MSHV_RUN_VP on VP ${step.vpIndex} would sleep forever: nothing left in its guest script reaches the VMM (an empty script, a HALT under the root scheduler, an access that completes in the guest) and no signal is pending; give the guest an exit for the VMM or "signal": true`,
              seen.length === 0 ? 'no exits' : `exits: ${seen.join(', ')}`,
            );
          const r = ioctl('MSHV_RUN_VP', onVp(step.vpIndex), {}, () => dev.runVp(vpFd(step.vpIndex)));
          if (!r.ok) return done(r, () => '');
          const type = new DataView(r.value.buffer, r.value.byteOffset, 4).getUint32(0, true);
          seen.push(messageName(type));
        }
        // A migration armed with `during: nextFaultIn` that fired inside these runs is worth a word.
        const raced =
          armed && !this.#world.migrationRaceArmed() ? '; the armed migration raced a fault-in' : '';
        return { ...base, actual: 'ok', detail: `exits: ${seen.join(', ')}${raced}` };
      }
      case 'getVpState':
      case 'setVpState': {
        const arg = {
          type: step.type,
          rsvd: Number(packBytes(step.rsvd)),
          bufSz: step.bufSize,
          ...(step.op === 'setVpState' ? { data: step.data } : {}),
        };
        const r =
          step.op === 'getVpState'
            ? ioctl('MSHV_GET_VP_STATE', onVp(step.vpIndex), arg, () =>
                dev.getVpState(vpFd(step.vpIndex), arg),
              )
            : ioctl('MSHV_SET_VP_STATE', onVp(step.vpIndex), arg, () =>
                dev.setVpState(vpFd(step.vpIndex), arg),
              );
        return done(r, (v) => `buf_sz ${v.bufSz}, ${v.data.length} bytes`);
      }
      case 'irqfd': {
        const arg = {
          fd: this.#eventfd(step.fd),
          // Both fields name scenario eventfds alike; an absent resamplefd is the zeroed struct's 0.
          resamplefd: step.resamplefd === undefined ? 0 : this.#eventfd(step.resamplefd),
          gsi: step.gsi,
          flags: step.flags,
        };
        return done(
          ioctl('MSHV_IRQFD', onPt, arg, () => dev.irqfd(ptFd, arg)),
          () => 'done',
        );
      }
      case 'ioeventfd': {
        const arg = {
          datamatch: step.datamatch,
          addr: step.addr,
          len: step.len,
          fd: this.#eventfd(step.fd),
          flags: step.flags,
          rsvd: Number(packBytes(step.rsvd)),
        };
        return done(
          ioctl('MSHV_IOEVENTFD', onPt, arg, () => dev.ioeventfd(ptFd, arg)),
          () => 'done',
        );
      }
      case 'setMsiRouting':
        return done(
          ioctl('MSHV_SET_MSI_ROUTING', onPt, { entries: step.entries, rsvd: step.rsvd }, () =>
            dev.setMsiRouting(ptFd, step.entries, step.rsvd),
          ),
          () => `${step.entries.length} routes`,
        );
      case 'getGpapAccessBitmap': {
        const arg = {
          accessType: step.accessType,
          accessOp: step.accessOp,
          rsvd: packBytes(step.rsvd),
          pageCount: step.pageCount,
          gpapBase: step.gpapBase,
        };
        return done(
          ioctl('MSHV_GET_GPAP_ACCESS_BITMAP', onPt, arg, () => dev.getGpapAccessBitmap(ptFd, arg)),
          (bits) => `${popcount(bits)} of ${step.pageCount} pages set`,
        );
      }
      case 'rootHvcall': {
        const target =
          step.target === 'device'
            ? { fd: null, vp: null }
            : step.target === 'vp'
              ? onVp(step.vpIndex ?? 0)
              : onPt;
        const arg = {
          code: step.code,
          reps: step.reps,
          input: step.input,
          outSz: step.outSize,
          status: step.status,
          rsvd: packBytes(step.rsvd),
        };
        const r = ioctl('MSHV_ROOT_HVCALL', target, arg, () => dev.rootHvcall(target.fd ?? 'device', arg));
        return done(r, (v) => `status 0x${v.status.toString(16)}, reps ${v.reps}`);
      }
      case 'readEventfd': {
        // read(2) is not an ioctl: an operation of the log, no trace record; it issues no hypercall.
        const fd = this.#eventfd(step.fd);
        const r = this.#operation(step.partition, EVENTFD_READ, 0, { fd, vp: null }, { fd }, () =>
          dev.readEventfd(fd),
        );
        if (!r.ok) return done(r, () => '');
        const detail = `count ${r.value}`;
        const want = step.expectCount;
        return want === undefined || want === r.value
          ? { ...base, actual: 'ok', detail }
          : { ...base, actual: 'ok', detail, mismatch: `count ${r.value}, expected ${want}` };
      }
      case 'writeEventfd': {
        // write(2) is not an ioctl: no ioctl record; the injections it causes are traced for the
        // partition whose irqfd the eventfd is bound to (irqfdOwner).
        const fd = this.#eventfd(step.fd);
        this.#trace?.setPartition(this.#irqfdOwner(fd, step.partition));
        const r = this.#operation(
          step.partition,
          EVENTFD_WRITE,
          0,
          { fd, vp: null },
          { fd, value: step.value },
          () => dev.writeEventfd(fd, step.value),
        );
        return done(r, () => `wrote ${step.value}`);
      }
      case 'migrateUserPages': {
        // The host's mm, not an ioctl: an operation of the log, no ioctl record; its hypercalls are
        // the MMU notifiers' no-access remaps, traced for a partition whose region they remap.
        this.#trace?.setPartition(this.#migrationOwner(step.userAddr, step.size, step.partition));
        const r = this.#operation(
          step.partition,
          MM_MIGRATE,
          0,
          { fd: null, vp: null },
          {
            userAddr: step.userAddr,
            size: step.size,
            ...(step.during === undefined ? {} : { during: step.during }),
          },
          () =>
            step.during === undefined
              ? ok(this.#world.migrateUserPages(step.userAddr, Number(step.size / 4096n)))
              : armMigrationRace(this.#world, step.userAddr, Number(step.size / 4096n)),
        );
        return done(r, step.during === undefined ? migrationDetail : () => 'armed to race the next fault-in');
      }
      case 'closePartition': {
        for (const [key, fd] of [...this.#vps]) {
          const vp = parseVpKey(key);
          if (vp?.partition !== step.partition) continue;
          this.#close(step.partition, fd, vp.vpIndex);
          this.#vps.delete(key);
        }
        this.#trace?.setPartition(step.partition);
        const r = this.#close(step.partition, ptFd, null);
        this.#partitions.delete(step.partition);
        return done(r, () => 'released');
      }
    }
  }

  /**
   * The scenario name of the partition a write to eventfd `fd` injects for: the partition whose
   * irqfd is bound to it. An eventfd bound to irqfds of several partitions wakes them in partition
   * fd order; the trace then names `stepPartition` if it is one of them, else the first. With no
   * irqfd bound, `stepPartition`.
   */
  #irqfdOwner(fd: number, stepPartition: string): string {
    return this.#ownerOf(stepPartition, (pt) => pt.irqfds.some((f) => f.eventfd === fd));
  }

  /**
   * The partition a migration's hypercalls are traced for: the step's when one of its movable regions
   * lies in `[userAddr, userAddr + size)` or none does, else the first (fd order) whose one does.
   */
  #migrationOwner(userAddr: bigint, size: bigint, stepPartition: string): string {
    const end = userAddr + size;
    return this.#ownerOf(stepPartition, (pt) =>
      pt.regions.some(
        (r) => r.kind === 'movable' && r.userAddr < end && r.userAddr + BigInt(r.pages) * 4096n > userAddr,
      ),
    );
  }

  /** The step's partition when `holds` it or no open partition does, else the first that does. */
  #ownerOf(stepPartition: string, holds: (pt: KernelPartition) => boolean): string {
    const dev = this.#world.device;
    const nameById = new Map<bigint, string>();
    for (const [name, ptFd] of this.#partitions) {
      const id = dev.partitionIdOf(ptFd);
      if (id !== undefined) nameById.set(id, name);
    }
    const owners: string[] = [];
    for (const pt of dev.partitions()) {
      const name = nameById.get(pt.id);
      if (name !== undefined && holds(pt)) owners.push(name);
    }
    return owners.length === 0 || owners.includes(stepPartition)
      ? stepPartition
      : (owners[0] ?? stepPartition);
  }

  /** Scenario eventfd numbers name eventfds the runner creates on first use; negative ones pass through. */
  #eventfd(n: number): number {
    if (n < 0) return n;
    let fd = this.#eventfds.get(n);
    if (fd === undefined) {
      fd = this.#world.device.createEventfd();
      this.#eventfds.set(n, fd);
    }
    return fd;
  }

  /** close(2) of one fd: an operation of the log (not an ioctl of the trace). */
  #close(partition: string, fd: number, vp: number | null): IoctlResult<void> {
    return this.#operation(partition, 'close', 0, { fd, vp }, {}, () => this.#world.device.close(fd));
  }

  #operation<T>(
    partition: string,
    name: string,
    request: number,
    target: { readonly fd: number | null; readonly vp: number | null },
    args: unknown,
    call: () => IoctlResult<T>,
    traceEnd?: (r: IoctlResult<T>) => void,
  ): IoctlResult<T> {
    this.#operations += 1;
    if (traceEnd !== undefined) this.#trace?.beginIoctl(partition, name, request);
    this.#observer?.begin({
      id: this.#operations,
      partition,
      name,
      request,
      fd: target.fd,
      vp: target.vp,
      args: toJsonValue(args),
    });
    const r = call();
    traceEnd?.(r);
    this.#observer?.end(r.ok ? { ok: true, value: toJsonValue(r.value ?? null) } : r);
    return r;
  }
}

/** Little-endian value of reserved bytes (non-zero iff any byte is). */
function packBytes(bytes: readonly number[]): bigint {
  let v = 0n;
  for (const [i, b] of bytes.entries()) v |= BigInt(b) << BigInt(8 * i);
  return v;
}

function popcount(bytes: Uint8Array): number {
  let n = 0;
  for (let b of bytes) {
    while (b !== 0) {
      n += b & 1;
      b >>= 1;
    }
  }
  return n;
}

function messageName(type: number): string {
  return hvMessageTypeName(type) ?? `0x${type.toString(16)}`;
}

/** A migration's outcome in a report line. */
function migrationDetail(m: HostMigration): string {
  const stale = m.mappedFreed > 0 ? `, ${m.mappedFreed} freed while a guest maps them` : '';
  return `${m.regions} movable region(s) notified (${m.failed} remap(s) failed), ${m.moved} pages moved, ${m.pinned} pinned stayed${stale}`;
}
