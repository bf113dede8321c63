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
