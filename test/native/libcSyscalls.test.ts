import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { libcSyscalls } from '../../adapters/native/libcSyscalls.js';
import { NativeDevice } from '../../adapters/native/NativeDevice.js';
import { EFD_CLOEXEC, EFD_NONBLOCK, O_CLOEXEC, O_RDWR } from '../../adapters/native/Syscalls.js';
import { Errno } from '../../src/hv/Errno.js';
import { MSHV_PT_BIT } from '../../src/hv/uapi/flags.js';
import { MSHV_REQUEST } from '../../src/hv/uapi/MshvIoctl.js';

const HAVE_MSHV = existsSync('/dev/mshv');

describe.runIf(process.platform === 'linux')('libcSyscalls: real system calls through libc (koffi)', () => {
  it('eventfd, write and read through real memory: the kernel sees what the view holds', () => {
    const sys = libcSyscalls();
    const efd = sys.eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (!efd.ok) throw new Error(`eventfd: errno ${efd.errno}`);
    const buf = sys.alloc(8, 8);
    try {
      const view = new DataView(buf.bytes.buffer, buf.bytes.byteOffset, 8);
      view.setBigUint64(0, 41n, true);
      expect(sys.write(efd.value, buf, 8)).toEqual({ ok: true, value: 8 });
      view.setBigUint64(0, 1n, true);
      expect(sys.write(efd.value, buf, 8)).toEqual({ ok: true, value: 8 });
      view.setBigUint64(0, 0n, true);
      expect(sys.read(efd.value, buf, 8)).toEqual({ ok: true, value: 8 });
      expect(view.getBigUint64(0, true)).toBe(42n);
      // A non-blocking eventfd with a zero count: EAGAIN, the errno read right after the call.
      expect(sys.read(efd.value, buf, 8)).toEqual({ ok: false, errno: Errno.EAGAIN });
      // An mshv request on a file that is not /dev/mshv: the VFS answers ENOTTY.
      expect(sys.ioctl(efd.value, MSHV_REQUEST.MSHV_CREATE_VP, buf)).toEqual({
        ok: false,
        errno: Errno.ENOTTY,
      });
    } finally {
      sys.free(buf);
      expect(sys.close(efd.value)).toEqual({ ok: true, value: 0 });
    }
    // EBADF from an fd that is never open. Closing the eventfd a second time would race with the
    // process's other threads: its number may already belong to a file one of them opened.
    expect(sys.close(-1)).toEqual({ ok: false, errno: Errno.EBADF });
  });

  it('mmap through libc: a file without mmap (an eventfd) is ENODEV; a misaligned munmap EINVAL; a stray peek throws', () => {
    const sys = libcSyscalls();
    const efd = sys.eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (!efd.ok) throw new Error(`eventfd: errno ${efd.errno}`);
    try {
      expect(sys.mmap(efd.value, 4096, 0)).toEqual({ ok: false, errno: Errno.ENODEV });
    } finally {
      sys.close(efd.value);
    }
    // A misaligned address is refused before anything is unmapped (never unmap a real page here).
    expect(sys.munmap(0x7ff0_0000_0005n, 4096)).toEqual({ ok: false, errno: Errno.EINVAL });
    expect(() => sys.peek(0x1000n, 8)).toThrow(/not inside a mapping/);
  });

  it('alloc gives zeroed memory at the alignment asked (VP state buffers are page aligned)', () => {
    const sys = libcSyscalls();
    const buf = sys.alloc(3 * 4096, 4096);
    try {
      expect(buf.address % 4096n).toBe(0n);
      expect(buf.bytes.length).toBe(3 * 4096);
      expect(buf.bytes.every((b) => b === 0)).toBe(true);
    } finally {
      sys.free(buf);
    }
    expect(() => sys.alloc(16, 12)).toThrow(/alloc\.align: 12/);
    expect(() => sys.alloc(0, 8)).toThrow(/alloc\.size: 0/);
    expect(() => {
      sys.free(buf);
    }).toThrow(/did not allocate/);
  });

  it('NativeDevice over libc (/dev/null standing in for /dev/mshv) unmaps and closes only what it handed out (review 1, 2): a heap buffer survives a munmap, another file a second close', () => {
    const sys = libcSyscalls();
    const opened = NativeDevice.open(sys, '/dev/null');
    if (!opened.ok) throw new Error(opened.error.message);
    const dev = opened.value;
    const buf = sys.alloc(1 << 20, 4096);
    try {
      buf.bytes[0] = 7;
      // A munmap(2) here would unmap the buffer, and the read below would be a segfault.
      expect(dev.munmap(buf.address)).toEqual({ ok: true, value: undefined });
      expect(buf.bytes[0]).toBe(7);
      const efd = dev.createEventfd();
      expect(dev.close(efd).ok).toBe(true);
      // Another file may take efd's number now (the lowest free): a second close must not reach it.
      const other = sys.eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
      if (!other.ok) throw new Error(`eventfd: errno ${other.errno}`);
      const again = dev.close(efd);
      expect(again.ok ? 'ok' : again.error.errnoName).toBe('EBADF');
      buf.bytes.fill(0, 0, 8);
      buf.bytes[0] = 1;
      expect(sys.write(other.value, buf, 8)).toEqual({ ok: true, value: 8 });
      expect(sys.close(other.value)).toEqual({ ok: true, value: 0 });
    } finally {
      sys.free(buf);
      dev.dispose();
    }
    // After dispose its fd number may be another file's: nothing reaches it.
    const r = dev.rootHvcall('device', { code: 0x44, reps: 0, input: new Uint8Array(16), outSz: 8 });
    expect(r.ok ? 'ok' : r.error.errnoName).toBe('EBADF');
  });

  it('rootHvcall over libc answers sizes its u16 fields cannot carry with errno values, never a throw or a huge allocation (review 5): the kernel judges the fd first, so /dev/null, which takes no mshv request, is its ENOTTY (ioctl(2) order, native item 2)', () => {
    const opened = NativeDevice.open(libcSyscalls(), '/dev/null');
    if (!opened.ok) throw new Error(opened.error.message);
    const dev = opened.value;
    try {
      const input = new Uint8Array(16);
      for (const outSz of [2 ** 30, NaN, 2 ** 40]) {
        const r = dev.rootHvcall('device', { code: 0x44, reps: 0, input, outSz });
        expect(r.ok ? 'ok' : r.error.errnoName).toBe('ENOTTY');
      }
    } finally {
      dev.dispose();
    }
  });

  it.skipIf(HAVE_MSHV)('on a host without mshv_root: opening /dev/mshv is ENOENT, said plainly', () => {
    const sys = libcSyscalls();
    expect(sys.open('/dev/mshv', O_RDWR | O_CLOEXEC)).toEqual({ ok: false, errno: Errno.ENOENT });
    const dev = NativeDevice.open(sys);
    expect(dev.ok ? 'opened' : dev.error.message).toBe(
      'open /dev/mshv: ENOENT (no such device node: the mshv_root driver is not loaded, or this host is not a Hyper-V root partition)',
    );
  });

  // Runs only on a Hyper-V root partition with the driver loaded (never in CI here).
  it.runIf(HAVE_MSHV)('on a host with /dev/mshv: a partition and a VP are made and released', () => {
    const opened = NativeDevice.open(libcSyscalls());
    if (!opened.ok) throw new Error(opened.error.message);
    const dev = opened.value;
    try {
      const flags = BigInt((1 << MSHV_PT_BIT.LAPIC) | (1 << MSHV_PT_BIT.X2APIC));
      const pt = dev.createPartition({ ptFlags: flags, ptIsolation: 0n });
      if (!pt.ok) throw new Error(pt.error.message);
      expect(dev.initializePartition(pt.value).ok).toBe(true);
      const vp = dev.createVp(pt.value, 0);
      if (!vp.ok) throw new Error(vp.error.message);
      expect(dev.close(vp.value).ok).toBe(true);
      expect(dev.close(pt.value).ok).toBe(true);
    } finally {
      dev.dispose();
    }
  });
});
