/**
 * Eventfd read(2) and write(2) on the native adapter: only on fds the device has open, and an
 * answer that is not the whole 8-byte count is an error, never a success. In a process a number the
 * device closed belongs to the next file opened (Linux hands out the lowest free one): a write(2) to
 * it puts 8 bytes into that file, a read(2) takes 8 bytes (or an eventfd's count) from it.
 */
import { describe, expect, it } from 'vitest';
import { ModelKernel } from '../../adapters/native/ModelKernel.js';
import type { SysResult, UserBuffer } from '../../adapters/native/Syscalls.js';
import { errnoOf, must, openOn, simWorld } from './nativeRig.js';

describe('NativeDevice: eventfd read and write', () => {
  it('read and write reach only fds the device has open (review 2, as close does): an eventfd closed, whose number another file holds now, is EBADF with no read(2) or write(2), and that file is untouched', () => {
    const kernel = new ModelKernel(simWorld().device, { fdNumbers: 'lowest-free' });
    const dev = openOn(kernel);
    const efd = dev.createEventfd();
    must(dev.writeEventfd(efd, 2n));
    expect(must(dev.readEventfd(efd))).toBe(2n);
    must(dev.close(efd));
    // Another part of the process makes an eventfd: it gets the number efd had.
    const other = kernel.eventfd();
    expect(other).toEqual({ ok: true, value: efd });
    const before = { ...kernel.calls };
    expect(errnoOf(dev.writeEventfd(efd, 5n))).toBe('EBADF');
    expect(errnoOf(dev.readEventfd(efd))).toBe('EBADF');
    // Numbers the device never handed out: stdin, /dev/mshv itself.
    expect(errnoOf(dev.writeEventfd(0, 1n))).toBe('EBADF');
    expect(errnoOf(dev.readEventfd(dev.fd))).toBe('EBADF');
    expect(kernel.calls).toEqual(before);
    // The other file's count is as its owner left it: 0, so its non-blocking read is EAGAIN.
    const buf = kernel.alloc(8, 8);
    expect(kernel.read(efd, buf, 8)).toEqual({ ok: false, errno: 11 });
    kernel.free(buf);
    dev.dispose();
  });

  it('a write(2) that takes fewer than the 8 bytes of the count is EIO, as a short read is, not a success', () => {
    /** A kernel whose eventfd write takes 4 bytes. */
    class ShortWriteKernel extends ModelKernel {
      override write(fd: number, buf: UserBuffer, length: number): SysResult {
        const r = super.write(fd, buf, length);
        return r.ok ? { ok: true, value: 4 } : r;
      }
    }
    const dev = openOn(new ShortWriteKernel(simWorld().device));
    const efd = dev.createEventfd();
    const r = dev.writeEventfd(efd, 1n);
    expect(r.ok ? 'ok' : r.error).toMatchObject({
      errnoName: 'EIO',
      message: `write(${efd}, 8) returned 4 bytes`,
    });
    dev.dispose();
  });
});
