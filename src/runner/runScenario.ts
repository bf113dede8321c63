import { hvMessageTypeName } from '../hv/flags/HvMessageType.js';
import { MSHV_REQUEST } from '../hv/uapi/MshvIoctl.js';
import type { IoctlResult } from '../pipeline/driver/IoctlResult.js';
import type { Scenario, Step } from '../scenario/Scenario.js';
import type { RunWorld } from './RunWorld.js';
import { type StepOutcome, stepMet } from './StepOutcome.js';
import type { TraceRecorder } from './TraceRecorder.js';

export interface RunReport {
  readonly outcomes: readonly StepOutcome[];
  /** The first step whose result differed from its `expect`; the run stopped there. */
  readonly failed: StepOutcome | undefined;
}

interface Names {
  readonly partitions: Map<string, number>;
  readonly vps: Map<string, number>;
  readonly eventfds: Map<number, number>;
}

/**
 * Run a scenario's steps in order against a world's device, stopping at the first step whose result
 * differs from its `expect`. Every ioctl is announced to the trace (when given) before it runs and
 * closed with its return value after.
 *
 * @example
 * const report = runScenario(scenario, world, trace);
 * report.failed; // undefined when every expectation held
 */
export function runScenario(scenario: Scenario, world: RunWorld, trace?: TraceRecorder): RunReport {
  const names: Names = { partitions: new Map(), vps: new Map(), eventfds: new Map() };
  const outcomes: StepOutcome[] = [];
  for (const [index, step] of scenario.steps.entries()) {
    const o = runStep(index, step, world, names, trace);
    outcomes.push(o);
    if (!stepMet(o)) return { outcomes, failed: o };
  }
  return { outcomes, failed: undefined };
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
