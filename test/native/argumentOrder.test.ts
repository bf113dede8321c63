/**
 * ioctl(2)'s order through the native adapter (fs/ioctl.c, inventory §a.1): fdget (EBADF), then the
 * file's handler (ENOTTY for another kind of file, or a request it does not take), and only inside
 * mshv's handler copy_from_user of the struct (EFAULT). NativeDevice cannot know the fd table: for a
 * struct that is not there it passes a NULL argument pointer and lets the kernel answer (DECISIONS,
 * native adapter item 6). The model kernel must answer as the kernel does, whatever the pointer.
 */
import { describe, expect, it } from 'vitest';
import { MODEL_DEV_FD, ModelKernel } from '../../adapters/native/ModelKernel.js';
import type { UserBuffer } from '../../adapters/native/Syscalls.js';
import { errnoName } from '../../src/hv/Errno.js';
import { MSHV_REQUEST } from '../../src/hv/uapi/MshvIoctl.js';
import { MshvGetSetVpState } from '../../src/hv/uapi/structs/MshvGetSetVpState.js';
import type { IoctlResult } from '../../src/pipeline/driver/IoctlResult.js';
import type { DevicePort } from '../../src/ports/DevicePort.js';
import {
  FD_KINDS,
  type FdKind,
  type Handler,
  MISSING_STRUCT_CASES,
  expectedErrno,
  expectedMissingStructAnswers,
  fdsOfEveryKind,
  missingStructAnswers,
} from '../pipeline/driver/argumentOrder.js';
import { openOn, simWorld } from './nativeRig.js';

/** A DevicePort method called with arguments of any type, as a JavaScript caller may. */
function loose(dev: DevicePort, name: keyof DevicePort, ...args: unknown[]): IoctlResult<unknown> {
  const f = (dev as unknown as Record<string, (...a: unknown[]) => IoctlResult<unknown>>)[name];
  if (f === undefined) throw new Error(`no method ${name}`);
  return f.apply(dev, args);
}

describe('a missing struct through NativeDevice on the model kernel: the kernel’s order, as the driver model answers', () => {
  it('every ioctl that takes a struct: EBADF on an fd that is not open, ENOTTY on another kind of fd, EFAULT naming the struct on the right fd', () => {
    const direct = simWorld();
    const model = missingStructAnswers(direct.device, fdsOfEveryKind(direct.device));
    const sim = simWorld();
    const kernel = new ModelKernel(sim.device);
    const dev = openOn(kernel);
    const fds = fdsOfEveryKind(dev);
    const ioctls = kernel.calls.ioctl;
    const state = JSON.stringify(sim.snapshot());
    const native = missingStructAnswers(dev, fds);
    expect(native).toEqual(expectedMissingStructAnswers());
    expect(native).toEqual(model);
    // One ioctl(2) each, with a NULL argument: the kernel judged the fd, and nothing changed.
    expect(kernel.calls.ioctl - ioctls).toBe(MISSING_STRUCT_CASES.length * FD_KINDS.length);
    expect(JSON.stringify(sim.snapshot())).toBe(state);
    for (const c of MISSING_STRUCT_CASES) {
      const r = c.run(dev, c.handler === 'vp' ? fds.vp : fds.partition);
      expect(r.ok ? '' : r.error.message).toContain(c.names);
    }
    expect(kernel.liveBuffers).toBe(0);
    dev.dispose();
  });

  it('MSHV_CREATE_PARTITION and MSHV_ROOT_HVCALL on /dev/mshv with no struct: EFAULT from the kernel, naming the struct', () => {
    const kernel = new ModelKernel(simWorld().device);
    const dev = openOn(kernel);
    const ioctls = kernel.calls.ioctl;
    const answers = [loose(dev, 'createPartition'), loose(dev, 'rootHvcall', 'device', null)];
    expect(answers.map((r) => (r.ok ? 'ok' : `${r.error.errnoName} ${r.error.message}`))).toEqual([
      expect.stringMatching(/^EFAULT mshv_create_partition: no struct/),
      expect.stringMatching(/^EFAULT mshv_root_hvcall: no struct/),
    ]);
    expect(kernel.calls.ioctl).toBe(ioctls + 2);
    dev.dispose();
  });
});

/** A refusal the adapter makes of a struct it will not send, and whether the driver model has it too. */
interface RefusalCase {
  readonly what: string;
  readonly handler: Handler;
  /** The errno on the right fd, and what its message names. */
  readonly errno: string;
  readonly names: string;
  /** False for the adapter's own limit (the buffer it backs), which the driver model does not have. */
  readonly model: boolean;
  readonly run: (dev: DevicePort, fd: number) => IoctlResult<unknown>;
}

const MAX_IRQS = 4096;
const REFUSALS: readonly RefusalCase[] = [
  {
    what: 'createVp(fd, 2^32)',
    handler: 'partition',
    errno: 'EINVAL',
    names: 'mshv_create_vp.vpIndex',
    model: true,
    run: (d, fd) => d.createVp(fd, 2 ** 32),
  },
  {
    what: 'setGuestMemory(fd, flags 0x100)',
    handler: 'partition',
    errno: 'EINVAL',
    names: 'mshv_user_mem_region.flags',
    model: true,
    run: (d, fd) =>
      d.setGuestMemory(fd, { size: 4096n, guestPfn: 0n, userspaceAddr: 0x7f00_0000_0000n, flags: 0x100 }),
  },
  {
    what: 'irqfd(fd, gsi 2^32)',
    handler: 'partition',
    errno: 'EINVAL',
    names: 'mshv_user_irqfd.gsi',
    model: true,
    run: (d, fd) => d.irqfd(fd, { fd: 0, resamplefd: 0, gsi: 2 ** 32, flags: 0 }),
  },
  {
    what: 'ioeventfd(fd, rsvd 2^32)',
    handler: 'partition',
    errno: 'EINVAL',
    names: 'mshv_user_ioeventfd.rsvd',
    model: true,
    run: (d, fd) => d.ioeventfd(fd, { datamatch: 0n, addr: 0n, len: 4, fd: 0, flags: 0, rsvd: 2 ** 32 }),
  },
  {
    what: `setMsiRouting(fd, ${MAX_IRQS + 1} entries)`,
    handler: 'partition',
    errno: 'EINVAL',
    names: 'MSHV_MAX_GUEST_IRQS',
    model: true,
    run: (d, fd) =>
      d.setMsiRouting(
        fd,
        Array.from({ length: MAX_IRQS + 1 }, (_, gsi) => ({
          gsi,
          addressLo: 0xfee0_0000,
          addressHi: 0,
          data: 0,
        })),
      ),
  },
  {
    what: 'getGpapAccessBitmap(fd, page_count 2^31)',
    handler: 'partition',
    errno: 'ENOMEM',
    names: 'page_count',
    model: true,
    run: (d, fd) =>
      d.getGpapAccessBitmap(fd, { accessType: 0, accessOp: 0, pageCount: 1n << 31n, gpapBase: 0n }),
  },
  {
    what: 'getVpState(fd, type 2^32)',
    handler: 'vp',
    errno: 'EINVAL',
    names: 'mshv_get_set_vp_state.type',
    model: true,
    run: (d, fd) => d.getVpState(fd, { type: 2 ** 32, bufSz: 4096 }),
  },
  {
    what: 'setVpState(fd, buf_sz 32 MiB)',
    handler: 'vp',
    errno: 'EINVAL',
    names: 'buf_sz',
    model: false,
    run: (d, fd) => d.setVpState(fd, { type: 0, bufSz: 32 << 20 }),
  },
  {
    what: 'rootHvcall(fd, code 0x10000)',
    handler: 'mshv',
    errno: 'EINVAL',
    names: 'mshv_root_hvcall.code',
    model: true,
    run: (d, fd) => d.rootHvcall(fd, { code: 0x10000, reps: 0, input: new Uint8Array(16), outSz: 0 }),
  },
];

describe('a struct the adapter will not send is refused in the kernel’s order too (native item 2)', () => {
  it('a value wider than its field, a table or size past a limit: EBADF on an fd that is not open, ENOTTY on another kind of fd, the refusal naming it on the right fd, as the driver model answers; one ioctl(2) with a NULL argument each, nothing allocated or changed', () => {
    const direct = simWorld();
    const dfds = fdsOfEveryKind(direct.device);
    const sim = simWorld();
    const kernel = new ModelKernel(sim.device);
    const dev = openOn(kernel);
    const fds = fdsOfEveryKind(dev);
    const state = JSON.stringify(sim.snapshot());
    const ioctls = kernel.calls.ioctl;
    const answer = (r: IoctlResult<unknown>): string => (r.ok ? 'ok' : r.error.errnoName);
    const native: string[] = [];
    const model: string[] = [];
    const expected: string[] = [];
    let calls = 0;
    for (const c of REFUSALS)
      for (const kind of FD_KINDS) {
        const kernelSays = expectedErrno(c.handler, kind);
        const right = kernelSays === 'EFAULT';
        native.push(`${c.what} on ${kind} → ${answer(c.run(dev, fds[kind]))}`);
        calls += 1;
        expected.push(`${c.what} on ${kind} → ${right ? c.errno : kernelSays}`);
        if (c.model) model.push(`${c.what} on ${kind} → ${answer(c.run(direct.device, dfds[kind]))}`);
        else model.push(`${c.what} on ${kind} → ${right ? c.errno : kernelSays}`);
        if (right) {
          const r = c.run(dev, fds[kind]);
          calls += 1;
          expect(r.ok ? '' : r.error.message).toContain(c.names);
        }
      }
    expect(native).toEqual(expected);
    expect(native).toEqual(model);
    expect(kernel.calls.ioctl - ioctls).toBe(calls);
    expect(JSON.stringify(sim.snapshot())).toBe(state);
    expect(kernel.liveBuffers).toBe(0);
    dev.dispose();
  });
});

/** Each mshv request with a struct, and the handler that takes it. */
const REQUESTS: readonly (readonly [keyof typeof MSHV_REQUEST, Handler])[] = [
  ['MSHV_CREATE_VP', 'partition'],
  ['MSHV_SET_GUEST_MEMORY', 'partition'],
  ['MSHV_IRQFD', 'partition'],
  ['MSHV_IOEVENTFD', 'partition'],
  ['MSHV_SET_MSI_ROUTING', 'partition'],
  ['MSHV_GET_GPAP_ACCESS_BITMAP', 'partition'],
  ['MSHV_GET_VP_STATE', 'vp'],
  ['MSHV_SET_VP_STATE', 'vp'],
  ['MSHV_ROOT_HVCALL', 'mshv'],
];

/** An argument pointer to no memory the process has (a wild pointer): copy_from_user fails too. */
const WILD: UserBuffer = { address: 0x10n, bytes: new Uint8Array(0) };

describe('the model kernel answers ioctl(2) in the kernel’s order, whatever the argument pointer', () => {
  const kernel = new ModelKernel(simWorld().device);
  const dev = openOn(kernel);
  const fds = fdsOfEveryKind(dev);
  const name = (r: { ok: boolean; errno?: number }): string =>
    r.ok ? 'ok' : (errnoName(r.errno ?? 0) ?? String(r.errno));

  it('a NULL or unmapped argument: EBADF on an fd that is not open, ENOTTY where the handler does not take the request, else EFAULT', () => {
    const answers: string[] = [];
    const expected: string[] = [];
    for (const [request, handler] of REQUESTS)
      for (const kind of FD_KINDS)
        for (const [what, arg] of [
          ['NULL', null],
          ['wild', WILD],
        ] as const) {
          answers.push(
            `${request} ${what} on ${kind} → ${name(kernel.ioctl(fds[kind], MSHV_REQUEST[request], arg))}`,
          );
          expected.push(`${request} ${what} on ${kind} → ${expectedErrno(handler, kind)}`);
        }
    expect(answers).toEqual(expected);
  });

  it('MSHV_RUN_VP with a NULL argument on an fd that is not open is EBADF, on a partition fd or an eventfd ENOTTY', () => {
    const kinds: FdKind[] = ['closed', 'neverOpen', 'partition', 'eventfd'];
    expect(kinds.map((k) => name(kernel.ioctl(fds[k], MSHV_REQUEST.MSHV_RUN_VP, null)))).toEqual(
      kinds.map((k) => expectedErrno('vp', k)),
    );
  });

  it('a request no handler takes: EBADF on an fd that is not open, ENOTTY on any open one, with or without a pointer', () => {
    const unknown = 0x4004_b8ff;
    const answers = FD_KINDS.flatMap((k) => [
      name(kernel.ioctl(fds[k], unknown, null)),
      name(kernel.ioctl(fds[k], unknown, WILD)),
    ]);
    expect(answers).toEqual(
      FD_KINDS.flatMap((k) =>
        k === 'closed' || k === 'neverOpen' ? ['EBADF', 'EBADF'] : ['ENOTTY', 'ENOTTY'],
      ),
    );
    // MSHV_CREATE_PARTITION is /dev/mshv's: a partition fd's handler does not take it.
    expect(name(kernel.ioctl(fds.partition, MSHV_REQUEST.MSHV_CREATE_PARTITION, null))).toBe('ENOTTY');
    expect(name(kernel.ioctl(MODEL_DEV_FD, MSHV_REQUEST.MSHV_CREATE_PARTITION, null))).toBe('EFAULT');
    expect(name(kernel.ioctl(MODEL_DEV_FD, MSHV_REQUEST.MSHV_ROOT_HVCALL, WILD))).toBe('EFAULT');
    expect(name(kernel.ioctl(MODEL_DEV_FD, MSHV_REQUEST.MSHV_RUN_VP, null))).toBe('ENOTTY');
  });

  it('a struct that is there but points at a buffer that is not (GET_VP_STATE buf_ptr): the fd is still judged first', () => {
    const arg = kernel.alloc(MshvGetSetVpState.size, 8);
    MshvGetSetVpState.encode(
      { type: 0, bufSz: 4096, bufPtr: 0x20n },
      new DataView(arg.bytes.buffer, arg.bytes.byteOffset, arg.bytes.byteLength),
    );
    const answers = FD_KINDS.map((k) => name(kernel.ioctl(fds[k], MSHV_REQUEST.MSHV_GET_VP_STATE, arg)));
    kernel.free(arg);
    expect(answers).toEqual(FD_KINDS.map((k) => expectedErrno('vp', k)));
  });
});

describe('MSHV_RUN_VP copies the message out last (inventory §c.6 step 4)', () => {
  it('with a NULL argument on its VP fd the VP runs, and the message it exited with is lost: EFAULT', () => {
    const sim = simWorld();
    const kernel = new ModelKernel(sim.device);
    const dev = openOn(kernel);
    const fds = fdsOfEveryKind(dev);
    sim.setGuestScript(fds.partition, 0, [
      { exit: 'IO_PORT', port: 0x3f8, write: true, size: 1, value: 0x41 },
      { exit: 'HALT' },
    ]);
    const lost = kernel.ioctl(fds.vp, MSHV_REQUEST.MSHV_RUN_VP, null);
    expect(lost.ok ? 'ok' : errnoName(lost.errno)).toBe('EFAULT');
    // The next run returns the second exit: the first was taken by the run that could not copy it.
    const direct = simWorld();
    const dfds = fdsOfEveryKind(direct.device);
    direct.setGuestScript(dfds.partition, 0, [{ exit: 'HALT' }]);
    const next = dev.runVp(fds.vp);
    const halt = direct.device.runVp(dfds.vp);
    expect(next.ok && halt.ok).toBe(true);
    if (next.ok && halt.ok) expect(Buffer.from(next.value)).toEqual(Buffer.from(halt.value));
    dev.dispose();
  });
});
