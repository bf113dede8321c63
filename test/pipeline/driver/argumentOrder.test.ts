import { describe, expect, it, vi } from 'vitest';
import type { IoctlResult } from '../../../src/pipeline/driver/IoctlResult.js';
import { SimWorld } from '../../../src/runner/SimWorld.js';
import { loadScenario } from '../../../src/scenario/loadScenario.js';
import {
  FD_KINDS,
  MISSING_STRUCT_CASES,
  expectedErrno,
  expectedMissingStructAnswers,
  fdsOfEveryKind,
  missingStructAnswers,
} from './argumentOrder.js';

const errno = (r: IoctlResult<unknown>): string => (r.ok ? 'ok' : r.error.errnoName);

function world(): { w: SimWorld; calls: string[] } {
  const calls: string[] = [];
  const w = new SimWorld(loadScenario({ format: 1, name: 'arg-order', seed: 3, hypervisor: {}, steps: [] }), {
    wantsBytes: false,
    record: (e) => calls.push(e.name),
  });
  return { w, calls };
}

/**
 * ioctl(2)'s order (fs/ioctl.c, inventory §a.1): fdget (EBADF), then the file's handler (ENOTTY for
 * another kind of file or a request it does not take), and only then mshv's copy_from_user (EFAULT)
 * and its field checks. The driver model answers in that order (DECISIONS, native adapter item 6).
 */
describe('the driver model refuses an ioctl in the kernel’s order: EBADF, ENOTTY, then EFAULT for a missing struct', () => {
  it('a missing struct on an fd that is not open is EBADF, on another kind of fd ENOTTY, on the right fd EFAULT naming the struct', () => {
    const { w, calls } = world();
    const fds = fdsOfEveryKind(w.device);
    const before = calls.length;
    const state = JSON.stringify(w.snapshot());
    expect(missingStructAnswers(w.device, fds)).toEqual(expectedMissingStructAnswers());
    for (const c of MISSING_STRUCT_CASES) {
      const fd = c.handler === 'vp' ? fds.vp : fds.partition;
      const r = c.run(w.device, fd);
      expect(r.ok ? '' : r.error.message).toContain(c.names);
    }
    expect(calls.length).toBe(before);
    expect(JSON.stringify(w.snapshot())).toBe(state);
  });

  it('MSHV_CREATE_PARTITION and MSHV_ROOT_HVCALL on /dev/mshv itself (always open): EFAULT', () => {
    const { w } = world();
    const d = w.device as unknown as Record<string, (...a: unknown[]) => IoctlResult<unknown>>;
    expect(errno(d.createPartition?.call(w.device) ?? { ok: true, value: 0 })).toBe('EFAULT');
    expect(errno(d.rootHvcall?.call(w.device, 'device', null) ?? { ok: true, value: 0 })).toBe('EFAULT');
  });

  it('a value the ABI cannot carry is EINVAL only on the right fd: EBADF and ENOTTY come first', () => {
    const { w } = world();
    const d = w.device;
    const fds = fdsOfEveryKind(d);
    const unfit = FD_KINDS.map((kind) => ({
      kind,
      irqfd: errno(d.irqfd(fds[kind], { fd: fds.eventfd, resamplefd: 0, gsi: -1, flags: 0 })),
      createVp: errno(d.createVp(fds[kind], 2 ** 32)),
      getVpState: errno(d.getVpState(fds[kind], { type: 256, bufSz: 4096 })),
      setGuestMemory: errno(
        d.setGuestMemory(fds[kind], {
          size: -4096n,
          guestPfn: 0n,
          userspaceAddr: 0x7f00_0000_0000n,
          flags: 3,
        }),
      ),
    }));
    const unfitOn = (handler: 'partition' | 'vp', kind: (typeof FD_KINDS)[number]): string => {
      const e = expectedErrno(handler, kind);
      return e === 'EFAULT' ? 'EINVAL' : e;
    };
    expect(unfit).toEqual(
      FD_KINDS.map((kind) => ({
        kind,
        irqfd: unfitOn('partition', kind),
        createVp: unfitOn('partition', kind),
        getVpState: unfitOn('vp', kind),
        setGuestMemory: unfitOn('partition', kind),
      })),
    );
  });

  it('interrupts are taken once per ioctl, whichever check refuses it', () => {
    const { w } = world();
    const fds = fdsOfEveryKind(w.device);
    const take = vi.spyOn(w.device.env.shared, 'takePendingInterrupts');
    let ioctls = 0;
    for (const c of MISSING_STRUCT_CASES)
      for (const kind of FD_KINDS) {
        c.run(w.device, fds[kind]);
        ioctls += 1;
      }
    w.device.createVp(fds.closed, 2 ** 32);
    w.device.createVp(fds.partition, 2 ** 32);
    w.device.rootHvcall('device', null as never);
    expect(take).toHaveBeenCalledTimes(ioctls + 3);
    take.mockRestore();
  });
});
