import { hvMessageTypeName } from '../hv/flags/HvMessageType.js';
import { MSHV_REQUEST } from '../hv/uapi/MshvIoctl.js';
import type { IoctlResult } from '../pipeline/driver/IoctlResult.js';
import type { Scenario, Step } from '../scenario/Scenario.js';
import type { RunWorld } from './RunWorld.js';
import { type StepOutcome, stepMet } from './StepOutcome.js';
import type { TraceRecorder } from './TraceRecorder.js';

/** What a run stopped with. */
export interface RunReport {
  readonly outcomes: readonly StepOutcome[];
  /** The first step whose result differed from its `expect`; the run stopped there. */
  readonly failed: StepOutcome | undefined;
}

/** The fds the scenario's names stand for so far: partitions by name, VPs by `name/index`, eventfds by number. */
interface Names {
  readonly partitions: Map<string, number>;
  readonly vps: Map<string, number>;
  readonly eventfds: Map<number, number>;
}

/**
 * Where a run is between steps, for snapshots: the next step's index and the fds the scenario's
 * names stand for, each list in the order the names were bound (closing a partition closes its VP
 * fds in that order).
 */
export interface RunCursor {
  readonly next: number;
  readonly partitions: readonly (readonly [string, number])[];
  readonly vps: readonly (readonly [string, number])[];
  readonly eventfds: readonly (readonly [number, number])[];
}

/**
 * Runs a scenario's steps one at a time against a world's device, announcing every ioctl to the
 * trace (when given) before it runs and closing it with its return value after. A run can stop
 * between any two steps (`cursor()`) and a new runner continue from there over a restored world.
 *
 * @example
 * const runner = new ScenarioRunner(scenario, world, trace);
 * runner.step(); // the first step's outcome
 * runner.runToEnd().failed; // undefined when every expectation held
 */
export class ScenarioRunner {
  readonly #names: Names = { partitions: new Map(), vps: new Map(), eventfds: new Map() };
  #next = 0;

  constructor(
    readonly scenario: Scenario,
    readonly world: RunWorld,
    readonly trace?: TraceRecorder,
    from?: RunCursor,
  ) {
    if (from === undefined) return;
    if (!Number.isSafeInteger(from.next) || from.next < 0 || from.next > scenario.steps.length)
      throw new RangeError(`ScenarioRunner: next step ${from.next} is not in [0, ${scenario.steps.length}]`);
    this.#next = from.next;
    for (const [name, fd] of from.partitions) this.#names.partitions.set(name, fd);
    for (const [key, fd] of from.vps) this.#names.vps.set(key, fd);
    for (const [n, fd] of from.eventfds) this.#names.eventfds.set(n, fd);
  }

  /** Index of the next step to run (the step count when all ran). */
  get next(): number {
    return this.#next;
  }

  /** True when every step ran. */
  get done(): boolean {
    return this.#next >= this.scenario.steps.length;
  }

  /**
   * Run the next step and return what it did; throws when every step ran already.
   *
   * @example
   * while (!runner.done) runner.step();
   */
  step(): StepOutcome {
    const step = this.scenario.steps[this.#next];
    if (step === undefined) throw new RangeError(`ScenarioRunner: no step ${this.#next}`);
    const o = runStep(this.#next, step, this.world, this.#names, this.trace);
    this.#next += 1;
    return o;
  }

  /**
   * Run the remaining steps, stopping at the first whose result differs from its `expect`.
   *
   * @example
   * runner.runToEnd().failed; // undefined when every expectation held
   */
  runToEnd(): RunReport {
    const outcomes: StepOutcome[] = [];
    while (!this.done) {
      const o = this.step();
      outcomes.push(o);
      if (!stepMet(o)) return { outcomes, failed: o };
    }
    return { outcomes, failed: undefined };
  }

  /**
   * Where the run is (copies).
   *
   * @example
   * new ScenarioRunner(scenario, restoredWorld, trace, runner.cursor()); // continues the run
   */
  cursor(): RunCursor {
    return {
      next: this.#next,
      partitions: [...this.#names.partitions],
      vps: [...this.#names.vps],
      eventfds: [...this.#names.eventfds],
    };
  }
}

function runStep(
  index: number,
  step: Step,
  world: RunWorld,
  names: Names,
  trace: TraceRecorder | undefined,
): StepOutcome {
  const dev = world.device;
  const base = { index, op: step.op, partition: step.partition, expected: step.expect };
  const ioctl = <T>(
    name: keyof typeof MSHV_REQUEST,
    call: () => IoctlResult<T>,
    value: (v: T) => number = () => 0,
  ): IoctlResult<T> => {
    trace?.beginIoctl(step.partition, name, MSHV_REQUEST[name]);
    const r = call();
    trace?.endIoctl(r.ok ? value(r.value) : -r.error.errno);
    return r;
  };
  const done = <T>(r: IoctlResult<T>, detail: (v: T) => string): StepOutcome =>
    r.ok
      ? { ...base, actual: 'ok', detail: detail(r.value) }
      : { ...base, actual: r.error.errnoName, error: r.error, detail: r.error.message };

  if (step.op === 'createPartition') {
    const r = ioctl(
      'MSHV_CREATE_PARTITION',
      () =>
        dev.createPartition({
          ptFlags: step.flags,
          ptIsolation: step.isolation,
          v2: {
            numCpuFbanks: step.numCpuFbanks,
            cpuFbanks: [step.cpuFbanks[0] ?? 0n, step.cpuFbanks[1] ?? 0n],
            disabledXsave: step.disabledXsave,
            rsvd: packBytes(step.rsvd),
            rsvd1: (step.rsvd1[0] ?? 0n) | (step.rsvd1[1] ?? 0n),
          },
        }),
      (fd) => fd,
    );
    if (r.ok) names.partitions.set(step.partition, r.value);
    return done(r, (fd) => `fd ${fd}, partition id ${String(dev.partitionIdOf(fd))}`);
  }
  // A partition whose creation failed or that was closed has no fd: its ioctls answer EBADF.
  const ptFd = names.partitions.get(step.partition) ?? -1;
  const vpKey = (vp: number): string => `${step.partition}/${vp}`;
  const vpFd = (vp: number): number => names.vps.get(vpKey(vp)) ?? -1;
  // Scenario eventfd numbers name eventfds the runner creates on first use; negative ones pass through.
  const eventfd = (n: number): number => {
    if (n < 0) return n;
    let fd = names.eventfds.get(n);
    if (fd === undefined) {
      fd = dev.createEventfd();
      names.eventfds.set(n, fd);
    }
    return fd;
  };

  switch (step.op) {
    case 'initializePartition':
      return done(
        ioctl('MSHV_INITIALIZE_PARTITION', () => dev.initializePartition(ptFd)),
        () => 'initialized',
      );
    case 'setGuestMemory':
      return done(
        ioctl('MSHV_SET_GUEST_MEMORY', () =>
          dev.setGuestMemory(ptFd, {
            size: step.size,
            guestPfn: step.guestPfn,
            userspaceAddr: step.userAddr,
            flags: step.flags,
            rsvd: packBytes(step.rsvd),
          }),
        ),
        () => 'done',
      );
    case 'createVp': {
      const r = ioctl(
        'MSHV_CREATE_VP',
        () => dev.createVp(ptFd, step.vpIndex),
        (fd) => fd,
      );
      if (r.ok) names.vps.set(vpKey(step.vpIndex), r.value);
      return done(r, (fd) => `vp fd ${fd}`);
    }
    case 'runVp': {
      const runs = Math.max(1, world.exitsSeenByVmm(ptFd, step.guest));
      world.setGuestScript(ptFd, step.vpIndex, step.guest);
      if (step.signal) world.raiseSignal(ptFd, step.vpIndex);
      const seen: string[] = [];
      for (let i = 0; i < runs; i++) {
        const r = ioctl('MSHV_RUN_VP', () => dev.runVp(vpFd(step.vpIndex)));
        if (!r.ok) return done(r, () => '');
        const type = new DataView(r.value.buffer, r.value.byteOffset, 4).getUint32(0, true);
        seen.push(messageName(type));
      }
      return { ...base, actual: 'ok', detail: `exits: ${seen.join(', ')}` };
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
          ? ioctl('MSHV_GET_VP_STATE', () => dev.getVpState(vpFd(step.vpIndex), arg))
          : ioctl('MSHV_SET_VP_STATE', () => dev.setVpState(vpFd(step.vpIndex), arg));
      return done(r, (v) => `buf_sz ${v.bufSz}, ${v.data.length} bytes`);
    }
    case 'irqfd':
      return done(
        ioctl('MSHV_IRQFD', () =>
          dev.irqfd(ptFd, {
            fd: eventfd(step.fd),
            resamplefd: step.resamplefd <= 0 ? step.resamplefd : eventfd(step.resamplefd),
            gsi: step.gsi,
            flags: step.flags,
          }),
        ),
        () => 'done',
      );
    case 'ioeventfd':
      return done(
        ioctl('MSHV_IOEVENTFD', () =>
          dev.ioeventfd(ptFd, {
            datamatch: step.datamatch,
            addr: step.addr,
            len: step.len,
            fd: eventfd(step.fd),
            flags: step.flags,
            rsvd: Number(packBytes(step.rsvd)),
          }),
        ),
        () => 'done',
      );
    case 'setMsiRouting':
      return done(
        ioctl('MSHV_SET_MSI_ROUTING', () => dev.setMsiRouting(ptFd, step.entries, step.rsvd)),
        () => `${step.entries.length} routes`,
      );
    case 'getGpapAccessBitmap':
      return done(
        ioctl('MSHV_GET_GPAP_ACCESS_BITMAP', () =>
          dev.getGpapAccessBitmap(ptFd, {
            accessType: step.accessType,
            accessOp: step.accessOp,
            rsvd: packBytes(step.rsvd),
            pageCount: step.pageCount,
            gpapBase: step.gpapBase,
          }),
        ),
        (bits) => `${popcount(bits)} of ${step.pageCount} pages set`,
      );
    case 'rootHvcall': {
      const fd = step.target === 'device' ? 'device' : step.target === 'vp' ? vpFd(step.vpIndex ?? 0) : ptFd;
      const r = ioctl('MSHV_ROOT_HVCALL', () =>
        dev.rootHvcall(fd, {
          code: step.code,
          reps: step.reps,
          input: step.input,
          outSz: step.outSize,
          status: step.status,
          rsvd: packBytes(step.rsvd),
        }),
      );
      return done(r, (v) => `status 0x${v.status.toString(16)}, reps ${v.reps}`);
    }
    case 'readEventfd': {
      // read(2) is not an ioctl: no trace record; it issues no hypercall either.
      const r = dev.readEventfd(eventfd(step.fd));
      if (!r.ok) return done(r, () => '');
      const detail = `count ${r.value}`;
      const want = step.expectCount;
      return want === undefined || want === r.value
        ? { ...base, actual: 'ok', detail }
        : { ...base, actual: 'ok', detail, mismatch: `count ${r.value}, expected ${want}` };
    }
    case 'writeEventfd': {
      // write(2) is not an ioctl: no ioctl record; the injections it causes are traced for the partition.
      trace?.setPartition(step.partition);
      return done(dev.writeEventfd(eventfd(step.fd), step.value), () => `wrote ${step.value}`);
    }
    case 'closePartition': {
      for (const [key, fd] of [...names.vps]) {
        if (!key.startsWith(`${step.partition}/`)) continue;
        dev.close(fd);
        names.vps.delete(key);
      }
      trace?.setPartition(step.partition);
      const r = dev.close(ptFd);
      names.partitions.delete(step.partition);
      return done(r, () => 'released');
    }
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
