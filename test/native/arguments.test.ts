/**
 * Arguments the adapter must refuse, or size right, before the kernel sees them (review findings 4
 * and 5): an ioctl argument is never shorter than what the kernel copies from it, and a size is
 * checked against its field before anything is allocated, answered as a value, never thrown.
 */
import { describe, expect, it } from 'vitest';
import { MODEL_DEV_FD, ModelKernel } from '../../adapters/native/ModelKernel.js';
import { HypercallCode } from '../../src/hv/HypercallCode.js';
import { MSHV_REQUEST } from '../../src/hv/uapi/MshvIoctl.js';
import { MSHV_PT_BIT } from '../../src/hv/uapi/flags.js';
import { MshvCreatePartition, MshvCreatePartitionV2 } from '../../src/hv/uapi/structs/MshvCreatePartition.js';
import type { IoctlResult } from '../../src/pipeline/driver/IoctlResult.js';
import { PT_FLAGS, RecordingKernel, errnoOf, loadNativeFacts, must, openOn, simWorld } from './nativeRig.js';

const XSAVE = 1n << BigInt(MSHV_PT_BIT.CPU_AND_XSAVE_FEATURES);
const facts = loadNativeFacts();

describe('NativeDevice: arguments sized and checked before the kernel sees them', () => {
  it('CREATE_PARTITION with CPU_AND_XSAVE_FEATURES and no v2 struct is EFAULT with no ioctl, as the driver model answers (inventory §c.2 step 2)', () => {
    const sim = simWorld();
    const kernel = new RecordingKernel(sim.device);
    const dev = openOn(kernel);
    const noV2 = { ptFlags: PT_FLAGS | XSAVE, ptIsolation: 0n };
    const model = sim.device.createPartition(noV2);
    expect(errnoOf(model)).toBe('EFAULT');
    const ioctls = kernel.calls.ioctl;
    const native = dev.createPartition(noV2);
    expect(native.ok ? native.value : native.error).toMatchObject({
      errnoName: 'EFAULT',
      message: expect.stringContaining('no v2 struct') as unknown,
    });
    expect(kernel.calls.ioctl).toBe(ioctls);
    // v1 fields the kernel refuses first (step 1) are its EINVAL, on both, whatever the flag asks.
    const badV1 = { ptFlags: XSAVE | (1n << 40n), ptIsolation: 0n };
    expect(errnoOf(dev.createPartition(badV1))).toBe(errnoOf(sim.device.createPartition(badV1)));
    expect(errnoOf(dev.createPartition(badV1))).toBe('EINVAL');
    dev.dispose();
  });

  it('no CREATE_PARTITION argument is shorter than the v2 struct the kernel may copy (inventory §c.2; facts structs.mshv_create_partition_v2.size)', () => {
    const sim = simWorld();
    const kernel = new RecordingKernel(sim.device);
    const dev = openOn(kernel);
    must(dev.createPartition({ ptFlags: PT_FLAGS, ptIsolation: 0n }));
    must(
      dev.createPartition({
        ptFlags: PT_FLAGS | XSAVE,
        ptIsolation: 0n,
        v2: { numCpuFbanks: 2, cpuFbanks: [0n, 0n], disabledXsave: 0n },
      }),
    );
    const sizes = kernel.args
      .filter((a) => a.request === MSHV_REQUEST.MSHV_CREATE_PARTITION)
      .map((a) => a.bytes.length);
    expect(sizes).toEqual([
      facts.structs.mshv_create_partition_v2?.size,
      facts.structs.mshv_create_partition_v2?.size,
    ]);
    dev.dispose();
  });

  it('the model kernel copies the v2 struct from the argument address, and a shorter argument is an over-read it reports, not an EFAULT a real kernel could not give (inventory §c.2)', () => {
    const kernel = new ModelKernel(simWorld().device);
    must(openOn(kernel).createPartition({ ptFlags: PT_FLAGS, ptIsolation: 0n }));
    const short = kernel.alloc(MshvCreatePartition.size, 8);
    MshvCreatePartition.encode(
      { ptFlags: PT_FLAGS | XSAVE, ptIsolation: 0n },
      new DataView(short.bytes.buffer, short.bytes.byteOffset, short.bytes.byteLength),
    );
    expect(() => kernel.ioctl(MODEL_DEV_FD, MSHV_REQUEST.MSHV_CREATE_PARTITION, short)).toThrow(
      /copies 64 bytes .* the buffer there has 16: a real kernel would copy the neighbouring heap/,
    );
    // The same struct in 64 bytes, the banks valid: a partition.
    const whole = kernel.alloc(MshvCreatePartitionV2.size, 8);
    MshvCreatePartitionV2.encode(
      {
        ptFlags: PT_FLAGS | XSAVE,
        ptIsolation: 0n,
        ptNumCpuFbanks: 2,
        ptCpuFbanks0: 0n,
        ptCpuFbanks1: 0n,
        ptDisabledXsave: 0n,
      },
      new DataView(whole.bytes.buffer, whole.bytes.byteOffset, whole.bytes.byteLength),
    );
    expect(kernel.ioctl(MODEL_DEV_FD, MSHV_REQUEST.MSHV_CREATE_PARTITION, whole).ok).toBe(true);
    kernel.free(short);
    kernel.free(whole);
  });

  it('rootHvcall checks in_sz and out_sz against their u16 fields before allocating anything (review 5, inventory §d ROOT_HVCALL): EINVAL naming the field, no allocation, never a throw; the struct is never sent, only a NULL argument for the kernel to judge the fd (one ioctl(2) each)', () => {
    const sim = simWorld();
    const kernel = new RecordingKernel(sim.device);
    const dev = openOn(kernel);
    const pt = must(dev.createPartition({ ptFlags: PT_FLAGS, ptIsolation: 0n }));
    const ioctls = kernel.calls.ioctl;
    const allocs = kernel.allocs.length;
    const args = kernel.args.length;
    const call = { code: HypercallCode.GET_PARTITION_PROPERTY, reps: 0, input: new Uint8Array(16) };
    const answers: IoctlResult<unknown>[] = [
      dev.rootHvcall(pt, { ...call, outSz: 2 ** 30 }),
      dev.rootHvcall(pt, { ...call, outSz: NaN }),
      dev.rootHvcall(pt, { ...call, outSz: 2 ** 40 }),
      dev.rootHvcall('device', { ...call, outSz: -1 }),
      dev.rootHvcall(pt, { ...call, input: new Uint8Array(65536), outSz: 8 }),
      dev.rootHvcall(pt, { ...call, outSz: 8, rsvd: 1n << 48n }),
    ];
    expect(answers.map((r) => (r.ok ? 'ok' : `${r.error.errnoName} ${r.error.message}`))).toEqual([
      expect.stringMatching(/^EINVAL mshv_root_hvcall\.outSz: 1073741824 does not fit u16/),
      expect.stringMatching(/^EINVAL mshv_root_hvcall\.outSz: NaN does not fit u16/),
      expect.stringMatching(/^EINVAL mshv_root_hvcall\.outSz: 1099511627776 does not fit u16/),
      expect.stringMatching(/^EINVAL mshv_root_hvcall\.outSz: -1 does not fit u16/),
      expect.stringMatching(/^EINVAL mshv_root_hvcall\.inSz: 65536 does not fit u16/),
      expect.stringMatching(/^EINVAL mshv_root_hvcall\.rsvd: \d+ does not fit 6 bytes/),
    ]);
    expect(kernel.allocs.length).toBe(allocs);
    expect(kernel.calls.ioctl).toBe(ioctls + answers.length);
    expect(kernel.args.length).toBe(args);
    dev.dispose();
  });

  it('setMsiRouting refuses more entries than the kernel takes (nr > MSHV_MAX_GUEST_IRQS, inventory §c.11) before allocating the table: EINVAL naming nr, as the driver model answers (the table never sent, only a NULL argument for the fd)', () => {
    const sim = simWorld();
    const kernel = new RecordingKernel(sim.device);
    const dev = openOn(kernel);
    const pt = must(dev.createPartition({ ptFlags: PT_FLAGS, ptIsolation: 0n }));
    const max = facts.limits.MSHV_MAX_GUEST_IRQS;
    const entries = Array.from({ length: max + 1 }, (_, gsi) => ({
      gsi,
      addressLo: 0xfee0_0000,
      addressHi: 0,
      data: 0x31,
    }));
    const ioctls = kernel.calls.ioctl;
    const allocs = kernel.allocs.length;
    const sent = kernel.args.length;
    const r = dev.setMsiRouting(pt, entries);
    expect(r.ok ? 'ok' : `${r.error.errnoName} ${r.error.message}`).toBe(
      `EINVAL mshv_user_irq_table.nr: ${max + 1} > MSHV_MAX_GUEST_IRQS (${max})`,
    );
    expect(kernel.allocs.length).toBe(allocs);
    expect(kernel.calls.ioctl).toBe(ioctls + 1);
    expect(kernel.args.length).toBe(sent);
    expect(errnoOf(sim.device.setMsiRouting(pt, entries))).toBe('EINVAL');
    // The limit itself is the kernel's to judge: the table is allocated and sent.
    expect(errnoOf(dev.setMsiRouting(pt, entries.slice(0, max)))).toBe('ok');
    expect(kernel.calls.ioctl).toBe(ioctls + 2);
    expect(kernel.args.length).toBe(sent + 1);
    dev.dispose();
  });
  it('a GET_GPAP_ACCESS_BITMAP page_count too large to back the bitmap is ENOMEM only when the kernel would get that far: a bad access_type, access_op or rsvd is EINVAL first, as the driver model answers (inventory §d: those checks come before the state buffer is allocated)', () => {
    const sim = simWorld();
    const kernel = new RecordingKernel(sim.device);
    const dev = openOn(kernel);
    const pt = must(dev.createPartition({ ptFlags: PT_FLAGS, ptIsolation: 0n }));
    const huge = 1n << 31n;
    const args = [
      { accessType: 2, accessOp: 0, pageCount: huge, gpapBase: 0n },
      { accessType: 0, accessOp: 3, pageCount: huge, gpapBase: 0n },
      { accessType: 0, accessOp: 0, rsvd: 1n, pageCount: huge, gpapBase: 0n },
      { accessType: 0, accessOp: 0, pageCount: huge, gpapBase: 0n },
    ];
    const allocs = kernel.allocs.length;
    const native = args.map((a) => errnoOf(dev.getGpapAccessBitmap(pt, a)));
    expect(native).toEqual(args.map((a) => errnoOf(sim.device.getGpapAccessBitmap(pt, a))));
    expect(native).toEqual(['EINVAL', 'EINVAL', 'EINVAL', 'ENOMEM']);
    // No bitmap of 2^28 bytes was allocated for any of them.
    expect(kernel.allocs.slice(allocs).every((n) => n <= 64)).toBe(true);
    dev.dispose();
  });
  it('mmapVp refuses a page offset mmap(2) cannot carry (a fraction, a negative, NaN, an offset past 2^53 bytes) as EINVAL naming it, with no mmap(2), as the driver model answers: libc truncates offset 1.0001 × 4096 to page 1 and would map the intercept page (DevicePort.mmapVp: EINVAL for another offset)', () => {
    const sim = simWorld();
    const kernel = new RecordingKernel(sim.device);
    const dev = openOn(kernel);
    const pt = must(dev.createPartition({ ptFlags: PT_FLAGS, ptIsolation: 0n }));
    must(dev.initializePartition(pt));
    const vp = must(dev.createVp(pt, 0));
    const mmaps = kernel.calls.mmap;
    for (const pgoff of [1.0001, -1, NaN, 2 ** 42]) {
      const r = dev.mmapVp(vp, pgoff);
      expect(r.ok ? 'ok' : `${r.error.errnoName} ${r.error.message}`).toMatch(
        new RegExp(`^EINVAL page offset ${String(pgoff).replace('.', '\\.')}: `),
      );
      expect(errnoOf(sim.device.mmapVp(vp, pgoff))).toBe('EINVAL');
    }
    expect(kernel.calls.mmap).toBe(mmaps);
    // An offset the kernel can be handed is the kernel's to judge.
    expect(errnoOf(dev.mmapVp(vp, 7))).toBe('EINVAL');
    expect(kernel.calls.mmap).toBe(mmaps + 1);
    dev.dispose();
  });
});
