/**
 * GET/SET_VP_STATE on the native adapter (review findings 7 and 8, inventory §c.7): the size the
 * kernel writes back into buf_sz reaches the caller as a number, and the state buffer is aligned to
 * the kernel's page size, which on arm64 may be 16 or 64 KiB.
 */
import { describe, expect, it } from 'vitest';
import { libcSyscalls } from '../../adapters/native/libcSyscalls.js';
import { ModelKernel } from '../../adapters/native/ModelKernel.js';
import type { SysResult, UserBuffer } from '../../adapters/native/Syscalls.js';
import { MSHV_REQUEST } from '../../src/hv/uapi/MshvIoctl.js';
import { MSHV_VP_STATE } from '../../src/hv/uapi/flags.js';
import { MshvGetSetVpState } from '../../src/hv/uapi/structs/MshvGetSetVpState.js';
import { PT_FLAGS, must, openOn, simWorld } from './nativeRig.js';

/** The GET/SET_VP_STATE struct of an ioctl argument, as a view on the kernel's copy. */
const structView = (arg: UserBuffer): DataView =>
  new DataView(arg.bytes.buffer, arg.bytes.byteOffset, MshvGetSetVpState.size);

/** A partition with VP 0 on `kernel`, and the device. */
function withVp(kernel: ModelKernel): { dev: ReturnType<typeof openOn>; vp: number; pt: number } {
  const dev = openOn(kernel);
  const pt = must(dev.createPartition({ ptFlags: PT_FLAGS, ptIsolation: 0n }));
  must(dev.initializePartition(pt));
  return { dev, pt, vp: must(dev.createVp(pt, 0)) };
}

describe('NativeDevice: VP state buffers', () => {
  it('a too-small GET_VP_STATE fails with EINVAL carrying the size the kernel wrote back as error.bufSz, and a retry with it succeeds (inventory §c.7: buf_sz written before the size check)', () => {
    const REQUIRED = 3 * 4096; // an XSAVE area larger than a page (AMX hosts)
    /** A kernel whose XSAVE state needs REQUIRED bytes, answering as mshv_vp_ioctl_get_set_state does. */
    class XsaveKernel extends ModelKernel {
      override ioctl(fd: number, request: number, arg: UserBuffer | null): SysResult {
        if (request !== MSHV_REQUEST.MSHV_GET_VP_STATE || arg === null) return super.ioctl(fd, request, arg);
        this.calls.ioctl += 1;
        const a = MshvGetSetVpState.decode(structView(arg));
        MshvGetSetVpState.encode({ ...a, bufSz: REQUIRED }, structView(arg));
        if (a.bufSz < REQUIRED) return { ok: false, errno: 22 };
        this.user(a.bufPtr, REQUIRED)?.fill(0xa5);
        return { ok: true, value: 0 };
      }
    }
    const { dev, vp } = withVp(new XsaveKernel(simWorld().device));
    const small = dev.getVpState(vp, { type: MSHV_VP_STATE.XSAVE, bufSz: 4096 });
    expect(small.ok ? small.value : small.error).toMatchObject({
      errnoName: 'EINVAL',
      bufSz: REQUIRED,
      message: `MSHV_GET_VP_STATE on fd ${vp}: EINVAL (buf_sz written back: ${REQUIRED})`,
    });
    const retry = dev.getVpState(vp, {
      type: MSHV_VP_STATE.XSAVE,
      bufSz: small.ok ? 0 : (small.error.bufSz ?? 0),
    });
    expect(retry.ok ? { bufSz: retry.value.bufSz, bytes: retry.value.data.length } : retry.error).toEqual({
      bufSz: REQUIRED,
      bytes: REQUIRED,
    });
    dev.dispose();
  });

  it('a failure that leaves buf_sz as the caller gave it claims no write-back (inventory §c.7: rsvd and type are refused before buf_sz is written)', () => {
    const { dev, vp, pt } = withVp(new ModelKernel(simWorld().device));
    const failures = [
      dev.getVpState(vp, { type: MSHV_VP_STATE.LAPIC, bufSz: 4096, rsvd: 1 }), // EINVAL
      dev.setVpState(vp, { type: 9, bufSz: 4096 }), // EINVAL
      dev.getVpState(pt, { type: MSHV_VP_STATE.LAPIC, bufSz: 4096 }), // a partition fd: ENOTTY
    ];
    expect(failures.map((r) => (r.ok ? 'ok' : r.error.errnoName))).toEqual(['EINVAL', 'EINVAL', 'ENOTTY']);
    for (const r of failures) {
      expect(r.ok ? 'ok' : r.error.bufSz).toBeUndefined();
      expect(r.ok ? 'ok' : r.error.message).not.toMatch(/written back/);
    }
    dev.dispose();
  });

  it('the state buffer is aligned to the system page size, not HV_PAGE_SIZE (inventory §c.7: buf_ptr PAGE_ALIGNED; a 64 KiB-page arm64 kernel)', () => {
    const seen: bigint[] = [];
    /** A kernel with 64 KiB pages that notes the buf_ptr of each VP state call. */
    class BigPageKernel extends ModelKernel {
      override readonly pageSize = 65536;
      override ioctl(fd: number, request: number, arg: UserBuffer | null): SysResult {
        if (request === MSHV_REQUEST.MSHV_GET_VP_STATE && arg !== null)
          seen.push(MshvGetSetVpState.decode(structView(arg)).bufPtr);
        return super.ioctl(fd, request, arg);
      }
    }
    const kernel = new BigPageKernel(simWorld().device);
    const { dev, vp } = withVp(kernel);
    // Move the allocator off a 64 KiB boundary, so alignment cannot come by chance.
    kernel.free(kernel.alloc(8, 8));
    const r = dev.getVpState(vp, { type: MSHV_VP_STATE.LAPIC, bufSz: 65536 });
    expect(r.ok ? r.value.bufSz : r.error.message).toBe(4096);
    expect(seen.length).toBe(1);
    expect(seen.map((p) => p % 65536n)).toEqual([0n]);
    dev.dispose();
  });

  it.runIf(process.platform === 'linux')(
    'libcSyscalls reports the system page size, sysconf(_SC_PAGESIZE): a power of two of at least 4096',
    () => {
      const { pageSize } = libcSyscalls();
      expect(pageSize).toBeGreaterThanOrEqual(4096);
      expect(pageSize & (pageSize - 1)).toBe(0);
    },
  );
});
