/**
 * What the native adapter owns and for how long: the VP pages it mapped, the fds it handed out, and
 * nothing after `dispose` (review findings 1-3). In a process, a number or an address the device no
 * longer owns belongs to someone else: a stray munmap(2) unmaps the V8 heap, a stray close(2) closes
 * another file. The model kernel numbers fds the way Linux does (lowest free) so reuse shows.
 */
import { describe, expect, it } from 'vitest';
import { ModelKernel } from '../../adapters/native/ModelKernel.js';
import type { SysResult, UserBuffer } from '../../adapters/native/Syscalls.js';
import { MSHV_REQUEST } from '../../src/hv/uapi/MshvIoctl.js';
import { MSHV_VP_MMAP_OFFSET, MSHV_VP_STATE } from '../../src/hv/uapi/flags.js';
import type { IoctlResult } from '../../src/pipeline/driver/IoctlResult.js';
import { PT_FLAGS, RAM, errnoOf, must, openOn, simWorld } from './nativeRig.js';

describe('NativeDevice: what it owns, and for how long', () => {
  it('munmap makes no munmap(2) of an address mmapVp did not map, or already unmapped (review 1; DevicePort.munmap: no mapping is a no-op success, misaligned EINVAL)', () => {
    const sim = simWorld();
    const kernel = new ModelKernel(sim.device);
    const dev = openOn(kernel);
    const pt = must(dev.createPartition({ ptFlags: PT_FLAGS, ptIsolation: 0n }));
    must(dev.initializePartition(pt));
    const vp = must(dev.createVp(pt, 0));
    const page = must(dev.mmapVp(vp, MSHV_VP_MMAP_OFFSET.INTERCEPT_MESSAGE));
    const before = kernel.calls.munmap;
    // An address of the process this device never mapped (a heap buffer, say).
    expect(dev.munmap(0x7f46_f0e8_0000n)).toEqual({ ok: true, value: undefined });
    expect(errnoOf(dev.munmap(0x7f46_f0e8_0005n))).toBe('EINVAL');
    expect(kernel.calls.munmap).toBe(before);
    expect(dev.munmap(page).ok).toBe(true);
    expect(kernel.calls.munmap).toBe(before + 1);
    // The page is gone: a second munmap of it is a no-op, with no syscall.
    expect(dev.munmap(page).ok).toBe(true);
    expect(kernel.calls.munmap).toBe(before + 1);
    expect(errnoOf(dev.readMapped(page))).toBe('EFAULT');
    dev.dispose();
  });

  it('close closes only fds this device handed out and has open (review 2): a second close, once another file holds the number, is EBADF with no close(2)', () => {
    const sim = simWorld();
    const kernel = new ModelKernel(sim.device, { fdNumbers: 'lowest-free' });
    const dev = openOn(kernel);
    const pt = must(dev.createPartition({ ptFlags: PT_FLAGS, ptIsolation: 0n }));
    expect(dev.close(pt).ok).toBe(true);
    // Another part of the process opens a file: Linux gives it the lowest free number, the partition's.
    const other = kernel.eventfd();
    expect(other).toEqual({ ok: true, value: pt });
    const closes = kernel.calls.close;
    expect(errnoOf(dev.close(pt))).toBe('EBADF');
    // Numbers the device never handed out: stdin, /dev/mshv itself (that one goes with dispose).
    expect(errnoOf(dev.close(0))).toBe('EBADF');
    expect(errnoOf(dev.close(dev.fd))).toBe('EBADF');
    expect(kernel.calls.close).toBe(closes);
    // The other file is still open.
    if (other.ok) expect(kernel.close(other.value)).toEqual({ ok: true, value: 0 });
    dev.dispose();
  });

  it('after dispose every method answers EBADF with no system call (review 2), and dispose released what the device still held', () => {
    const sim = simWorld();
    const kernel = new ModelKernel(sim.device);
    const dev = openOn(kernel);
    const pt = must(dev.createPartition({ ptFlags: PT_FLAGS, ptIsolation: 0n }));
    must(dev.initializePartition(pt));
    const vp = must(dev.createVp(pt, 0));
    const efd = dev.createEventfd();
    const page = must(dev.mmapVp(vp, MSHV_VP_MMAP_OFFSET.INTERCEPT_MESSAGE));
    dev.dispose();
    // The mapping, the VP, the partition and the eventfd went with the device.
    expect(sim.device.partitions()).toEqual([]);
    expect(sim.device.close(efd).ok).toBe(false);
    const calls = { ...kernel.calls };
    const region = { size: 4096n, guestPfn: 0n, userspaceAddr: RAM, flags: 0b11 };
    const input = new Uint8Array(16);
    const answers: IoctlResult<unknown>[] = [
      dev.createPartition({ ptFlags: PT_FLAGS, ptIsolation: 0n }),
      dev.initializePartition(pt),
      dev.setGuestMemory(pt, region),
      dev.createVp(pt, 1),
      dev.runVp(vp),
      dev.getVpState(vp, { type: MSHV_VP_STATE.LAPIC, bufSz: 4096 }),
      dev.setVpState(vp, { type: MSHV_VP_STATE.LAPIC, bufSz: 4096 }),
      dev.irqfd(pt, { fd: efd, resamplefd: 0, gsi: 5, flags: 0 }),
      dev.ioeventfd(pt, { datamatch: 0n, addr: 0xfe00_1000n, len: 4, fd: efd, flags: 0 }),
      dev.setMsiRouting(pt, []),
      dev.getGpapAccessBitmap(pt, { accessType: 0, accessOp: 0, pageCount: 8n, gpapBase: 0n }),
      dev.rootHvcall(pt, { code: 0x44, reps: 0, input, outSz: 8 }),
      dev.rootHvcall('device', { code: 0x44, reps: 0, input, outSz: 8 }),
      dev.readEventfd(efd),
      dev.writeEventfd(efd, 1n),
      dev.mmapVp(vp, 0),
      dev.readMapped(page),
      dev.munmap(page),
      dev.close(pt),
    ];
    expect(answers.map(errnoOf)).toEqual(Array(answers.length).fill('EBADF'));
    expect(() => dev.createEventfd()).toThrow(/EBADF/);
    expect(kernel.calls).toEqual(calls);
    expect(kernel.liveBuffers).toBe(0);
  });

  it('a CREATE_VP ioctl that returns 0 is refused as ENOMEM naming the quirk, never taken as VP fd 0 (inventory §d, observed quirks)', () => {
    const sim = simWorld();
    /** A kernel whose CREATE_VP hits the quirk: the VP object's allocation fails, the ioctl returns 0. */
    class QuirkKernel extends ModelKernel {
      override ioctl(fd: number, request: number, arg: UserBuffer | null): SysResult {
        if (request === MSHV_REQUEST.MSHV_CREATE_VP) {
          this.calls.ioctl += 1;
          return { ok: true, value: 0 };
        }
        return super.ioctl(fd, request, arg);
      }
    }
    const kernel = new QuirkKernel(sim.device);
    const dev = openOn(kernel);
    const pt = must(dev.createPartition({ ptFlags: PT_FLAGS, ptIsolation: 0n }));
    const vp = dev.createVp(pt, 0);
    expect(vp.ok ? vp.value : vp.error).toMatchObject({
      errnoName: 'ENOMEM',
      message: expect.stringMatching(/returned 0.*inventory §d quirk/) as unknown,
    });
    // Nothing was handed out: fd 0 (stdin here) is not the device's to close.
    const closes = kernel.calls.close;
    expect(errnoOf(dev.close(0))).toBe('EBADF');
    expect(kernel.calls.close).toBe(closes);
    dev.dispose();
  });
});
