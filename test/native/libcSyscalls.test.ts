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

  it.skipIf(HAVE_MSHV)('on a host without mshv_root: opening /dev/mshv is ENOENT, said plainly', () => {
    const sys = libcSyscalls();
    expect(sys.open('/dev/mshv', O_RDWR | O_CLOEXEC)).toEqual({ ok: false, errno: Errno.ENOENT });
    const dev = NativeDevice.open(sys);
    expect(dev.ok ? 'opened' : dev.error.message).toBe('open /dev/mshv: ENOENT');
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
