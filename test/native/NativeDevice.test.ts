import { describe, expect, it } from 'vitest';
import { NativeDevice } from '../../adapters/native/NativeDevice.js';
import { HypercallCode } from '../../src/hv/HypercallCode.js';
import {
  MSHV_IOEVENTFD_BIT,
  MSHV_IRQFD_BIT,
  MSHV_PT_BIT,
  MSHV_VP_MMAP_OFFSET,
  MSHV_VP_STATE,
} from '../../src/hv/uapi/flags.js';
import type { IoctlResult } from '../../src/pipeline/driver/IoctlResult.js';
import type { HypercallEvent } from '../../src/pipeline/HypercallRecorder.js';
import type { DevicePort } from '../../src/ports/DevicePort.js';
import { SimWorld } from '../../src/runner/SimWorld.js';
import { loadScenario } from '../../src/scenario/loadScenario.js';
import type { GuestExit } from '../../src/scenario/Scenario.js';
import { ModelKernel } from '../../adapters/native/ModelKernel.js';
import type { SysResult } from '../../adapters/native/Syscalls.js';

const RAM = 0x7f00_0000_0000n;
const PT_FLAGS = BigInt((1 << MSHV_PT_BIT.LAPIC) | (1 << MSHV_PT_BIT.X2APIC));

/** A simulated machine and its driver model, every hypercall kept with its bytes. */
function world(): { sim: SimWorld; calls: string[] } {
  const calls: string[] = [];
  const hex = (b: Uint8Array | undefined): string => (b === undefined ? '-' : Buffer.from(b).toString('hex'));
  const sim = new SimWorld(
    loadScenario({
      format: 1,
      name: 'native-contract',
      seed: 21,
      hypervisor: { scheduler: 'core-smt' },
      hostMemory: [{ userAddr: '0x7f0000000000', size: '8MiB', pageSize: '4K' }],
      steps: [],
    }),
    {
      wantsBytes: true,
      record: (e: HypercallEvent) =>
        calls.push(`${e.name} ${e.result} ${e.repsCompleted} ${hex(e.input)} ${hex(e.output)}`),
    },
  );
  return { sim, calls };
}

/** What a caller can rely on of a result: the value, or the errno (and hypervisor status) of the failure. */
function shape<T>(r: IoctlResult<T>): unknown {
  if (r.ok) return { ok: r.value instanceof Uint8Array ? Buffer.from(r.value).toString('hex') : r.value };
  return { errno: r.error.errnoName, hvStatus: r.error.hvStatus };
}

const exits: GuestExit[] = [
  { exit: 'IO_PORT', port: 0x3f8, write: true, size: 1, value: 0x41 },
  { exit: 'MMIO', gpa: 0xfed0_0000n, write: true, size: 4, value: 7n },
  { exit: 'HALT' },
];

/**
 * One VMM session through a DevicePort: every ioctl the uapi has, with valid and invalid arguments
 * (reserved bytes set, bad sizes, a fd of the wrong kind, an fd that is not open, an fd closed
 * already whose number another file of the process holds now). `elsewhere` opens such a file, as
 * another part of the process would, and returns its close.
 */
function session(dev: DevicePort, sim: SimWorld, elsewhere: () => () => boolean): unknown[] {
  const out: unknown[] = [];
  const log = <T>(r: IoctlResult<T>): IoctlResult<T> => {
    out.push(shape(r));
    return r;
  };
  const pt = log(dev.createPartition({ ptFlags: PT_FLAGS, ptIsolation: 0n }));
  if (!pt.ok) return out;
  const fd = pt.value;
  log(dev.createPartition({ ptFlags: 1n << 40n, ptIsolation: 0n })); // unknown pt_flags bit: EINVAL
  log(
    dev.createPartition({
      ptFlags: PT_FLAGS | (1n << BigInt(MSHV_PT_BIT.CPU_AND_XSAVE_FEATURES)),
      ptIsolation: 0n,
      v2: { numCpuFbanks: 2, cpuFbanks: [0x10n, 0n], disabledXsave: 0n, rsvd: 1n },
    }),
  ); // v2 with pt_rsvd set: EINVAL
  log(dev.initializePartition(fd));
  const region = { size: 8n << 20n, guestPfn: 0n, userspaceAddr: RAM, flags: 0b11 };
  log(dev.setGuestMemory(fd, region));
  log(dev.setGuestMemory(fd, { ...region, guestPfn: 0x10000n, rsvd: 1n })); // rsvd set: EINVAL
  log(dev.setGuestMemory(fd, { ...region, size: 0x1001n })); // not page aligned: EINVAL
  const vp0 = log(dev.createVp(fd, 0));
  const vp1 = log(dev.createVp(fd, 1));
  log(dev.createVp(fd, 1)); // twice: EEXIST
  log(dev.createVp(fd, 300)); // ≥ MSHV_MAX_VPS: EINVAL
  if (!vp0.ok) return out;
  sim.setGuestScript(fd, 0, exits);
  for (let left = exits.length; left > 0; left--) log(dev.runVp(vp0.value));
  const msg = log(dev.mmapVp(vp0.value, MSHV_VP_MMAP_OFFSET.INTERCEPT_MESSAGE));
  if (msg.ok) log(dev.readMapped(msg.value)); // the last exit, as the hypervisor wrote it
  log(dev.mmapVp(vp0.value, MSHV_VP_MMAP_OFFSET.GHCB)); // no GHCB outside SNP: ENODEV
  log(dev.mmapVp(vp0.value, 7)); // EINVAL
  log(dev.mmapVp(fd, 0)); // a partition fd has no mmap: ENODEV
  log(dev.getVpState(vp0.value, { type: MSHV_VP_STATE.LAPIC, bufSz: 4096 }));
  log(dev.getVpState(vp0.value, { type: MSHV_VP_STATE.SYNTHETIC_TIMERS, bufSz: 4096 }));
  log(dev.getVpState(vp0.value, { type: MSHV_VP_STATE.LAPIC, bufSz: 4096, rsvd: 1 })); // EINVAL
  log(dev.getVpState(vp0.value, { type: 9, bufSz: 4096 })); // unknown type: EINVAL
  log(
    dev.setVpState(vp0.value, {
      type: MSHV_VP_STATE.SYNTHETIC_TIMERS,
      bufSz: 4096,
      data: new Uint8Array(200),
    }),
  );
  log(dev.getVpState(fd, { type: MSHV_VP_STATE.LAPIC, bufSz: 4096 })); // a partition fd
  const efd = dev.createEventfd();
  const resample = dev.createEventfd();
  out.push({ eventfds: [efd, resample] });
  log(dev.setMsiRouting(fd, [{ gsi: 5, addressLo: 0xfee0_0000, addressHi: 0, data: 0x8031 }]));
  log(dev.setMsiRouting(fd, [{ gsi: 5, addressLo: 0xfee0_0000, addressHi: 1, data: 0x31 }])); // address_hi: EINVAL
  log(dev.setMsiRouting(fd, [], 1)); // rsvd: EINVAL
  log(dev.irqfd(fd, { fd: efd, resamplefd: resample, gsi: 5, flags: 1 << MSHV_IRQFD_BIT.RESAMPLE }));
  log(dev.irqfd(fd, { fd: efd, resamplefd: 0, gsi: 5, flags: 0 })); // bound twice: EBUSY
  log(dev.irqfd(fd, { fd: -1, resamplefd: 0, gsi: 6, flags: 0 })); // __s32 fd -1 reaches the kernel: EBADF
  log(dev.irqfd(fd, { fd: efd, resamplefd: 0, gsi: -1, flags: 0 })); // no __u32 is negative: EINVAL
  log(dev.writeEventfd(efd, 1n)); // injects gsi 5
  log(dev.readEventfd(efd)); // the irqfd read the count away: EAGAIN
  const doorbell = dev.createEventfd();
  const io = { datamatch: 0n, addr: 0xfe00_1000n, len: 4, fd: doorbell, flags: 0 };
  log(dev.ioeventfd(fd, io));
  log(dev.ioeventfd(fd, io)); // collision: EEXIST
  log(dev.ioeventfd(fd, { ...io, addr: 0xfe00_2000n, rsvd: 1 })); // rsvd: EINVAL
  log(dev.ioeventfd(fd, { ...io, flags: 1 << MSHV_IOEVENTFD_BIT.PIO })); // PIO: EOPNOTSUPP
  log(dev.getGpapAccessBitmap(fd, { accessType: 1, accessOp: 0, pageCount: 64n, gpapBase: 0n }));
  log(dev.getGpapAccessBitmap(fd, { accessType: 2, accessOp: 0, pageCount: 64n, gpapBase: 0n })); // EINVAL
  const input = new Uint8Array(16);
  new DataView(input.buffer).setUint32(8, 0x0001_0004, true); // a property code
  log(dev.rootHvcall(fd, { code: HypercallCode.GET_PARTITION_PROPERTY, reps: 0, input, outSz: 8 }));
  log(dev.rootHvcall(fd, { code: HypercallCode.GET_PARTITION_PROPERTY, reps: 0, input, outSz: 8, rsvd: 1n }));
  log(dev.rootHvcall(fd, { code: 0x0001, reps: 0, input, outSz: 0 })); // off the allow-list: EINVAL
  log(dev.rootHvcall('device', { code: HypercallCode.GET_PARTITION_PROPERTY, reps: 0, input, outSz: 8 }));
  log(dev.readEventfd(fd)); // read on an mshv fd: EINVAL
  log(dev.writeEventfd(999, 1n)); // not open: EBADF
  log(dev.close(vp0.value));
  if (vp1.ok) log(dev.close(vp1.value));
  log(dev.close(fd));
  log(dev.close(fd)); // twice: EBADF
  // Another file of the process takes the lowest free number (Linux), the partition fd's: closing the
  // partition fd once more is still EBADF, and leaves that file open.
  const closeOther = elsewhere();
  log(dev.close(fd));
  log(dev.close(vp0.value));
  out.push({ otherFileStillOpen: closeOther() });
  if (msg.ok) {
    log(dev.readMapped(msg.value)); // the mapping keeps the partition: still readable
    log(dev.munmap(msg.value)); // the last reference: the partition is torn down
  }
  for (const e of [efd, resample, doorbell]) log(dev.close(e));
  return out;
}

/** Another file of the process, on the driver model: an eventfd made behind the session's back. */
function modelElsewhere(device: DevicePort): () => () => boolean {
  return () => {
    const other = device.createEventfd();
    return () => device.close(other).ok;
  };
}

describe('NativeDevice over a kernel made of the driver model (the uapi structs, byte for byte)', () => {
  it('a whole session answers what the driver model answers, and the hypervisor sees the very same calls', () => {
    const direct = world();
    const expected = session(direct.sim.device, direct.sim, modelElsewhere(direct.sim.device));
    const native = world();
    // fds numbered as Linux numbers them (the lowest free), so a closed number is handed out again.
    const kernel = new ModelKernel(native.sim.device, { fdNumbers: 'lowest-free' });
    const opened = NativeDevice.open(kernel);
    if (!opened.ok) throw new Error(opened.error.message);
    const actual = session(opened.value, native.sim, () => {
      const other = kernel.eventfd();
      if (!other.ok) throw new Error('eventfd');
      return () => kernel.close(other.value).ok;
    });
    opened.value.dispose();
    expect(actual).toEqual(expected);
    expect(native.calls).toEqual(direct.calls);
    expect(native.calls.length).toBeGreaterThan(30);
    // Both machines end with nothing held: every page accounted, no partition left.
    expect(native.sim.machine.audit()).toEqual(direct.sim.machine.audit());
    expect(kernel.liveBuffers).toBe(0);
  });

  it('the session really failed where it should: the expected errnos are there', () => {
    const direct = world();
    const errnos = session(direct.sim.device, direct.sim, modelElsewhere(direct.sim.device))
      .map((r) => (r as { errno?: string }).errno)
      .filter((e) => e !== undefined);
    expect(errnos).toEqual(
      expect.arrayContaining(['EINVAL', 'EEXIST', 'EBUSY', 'EAGAIN', 'EOPNOTSUPP', 'EBADF']),
    );
  });

  it('a struct argument that is not there (a JavaScript caller passing nothing or null) is EFAULT on both adapters on an fd of the right kind: the native adapter passes a NULL pointer and the kernel answers', () => {
    /** A partition fd and a VP fd on `dev`, then every struct ioctl with its struct missing. */
    const calls = (dev: DevicePort): IoctlResult<unknown>[] => {
      const any = dev as unknown as Record<string, (...a: unknown[]) => IoctlResult<unknown>>;
      const call = (name: string, ...a: unknown[]): IoctlResult<unknown> => {
        const f = any[name];
        if (f === undefined) throw new Error(name);
        return f.apply(dev, a);
      };
      return [
        call('createPartition'),
        call('setGuestMemory', 3, null),
        call('getVpState', 4),
        call('setVpState', 4, 7),
        call('irqfd', 3),
        call('ioeventfd', 3, null),
        call('setMsiRouting', 3, undefined),
        call('setMsiRouting', 3, [null]),
        call('getGpapAccessBitmap', 3),
        call('rootHvcall', 3),
        call('rootHvcall', 3, { code: 0x4e, reps: 0, outSz: 0 }),
      ];
    };
    /** Partition fd 3 and VP fd 4, as both adapters number them here. */
    const partitionAndVp = (dev: DevicePort): void => {
      const pt = dev.createPartition({ ptFlags: PT_FLAGS, ptIsolation: 0n });
      if (!pt.ok || pt.value !== 3) throw new Error('partition fd 3');
      dev.initializePartition(pt.value);
      const vp = dev.createVp(pt.value, 0);
      if (!vp.ok || vp.value !== 4) throw new Error('VP fd 4');
    };
    const direct = world();
    partitionAndVp(direct.sim.device);
    const before = direct.calls.length;
    const model = calls(direct.sim.device);
    expect(direct.calls.length).toBe(before);
    const { sim, calls: hypercalls } = world();
    const kernel = new ModelKernel(sim.device);
    const opened = NativeDevice.open(kernel);
    if (!opened.ok) throw new Error(opened.error.message);
    partitionAndVp(opened.value);
    const ioctls = kernel.calls.ioctl;
    const made = hypercalls.length;
    const native = calls(opened.value);
    // One ioctl(2) each, with a NULL argument pointer; no hypercall.
    expect(kernel.calls.ioctl).toBe(ioctls + 11);
    expect(hypercalls.length).toBe(made);
    const errnos = (rs: IoctlResult<unknown>[]) => rs.map((r) => (r.ok ? 'ok' : r.error.errnoName));
    expect(errnos(model)).toEqual(Array(11).fill('EFAULT'));
    expect(errnos(native)).toEqual(errnos(model));
    const messages = model.map((r) => (r.ok ? '' : r.error.message));
    expect(messages).toEqual([
      expect.stringContaining('mshv_create_partition: no struct'),
      expect.stringContaining('mshv_user_mem_region: no struct'),
      expect.stringContaining('mshv_get_set_vp_state: no struct'),
      expect.stringContaining('mshv_get_set_vp_state: no struct'),
      expect.stringContaining('mshv_user_irqfd: no struct'),
      expect.stringContaining('mshv_user_ioeventfd: no struct'),
      expect.stringContaining('mshv_user_irq_table: no table'),
      expect.stringContaining('mshv_user_irq_table.entries[0]: no struct'),
      expect.stringContaining('mshv_gpap_access_bitmap: no struct'),
      expect.stringContaining('mshv_root_hvcall: no struct'),
      expect.stringContaining('mshv_root_hvcall.input: no buffer'),
    ]);
    expect(native.map((r) => (r.ok ? '' : r.error.message))).toEqual(messages);
  });

  it('a value the ABI cannot carry is refused as EINVAL naming the field, the struct never sent: one ioctl(2) each with a NULL argument (the kernel judges the fd first), nothing left allocated', () => {
    const { sim } = world();
    const kernel = new ModelKernel(sim.device);
    const opened = NativeDevice.open(kernel);
    if (!opened.ok) throw new Error(opened.error.message);
    const dev = opened.value;
    const pt = dev.createPartition({ ptFlags: 3n, ptIsolation: 0n });
    if (!pt.ok) throw new Error(pt.error.message);
    const init = dev.initializePartition(pt.value);
    if (!init.ok) throw new Error(init.error.message);
    const vp = dev.createVp(pt.value, 0);
    if (!vp.ok) throw new Error(vp.error.message);
    const [p, v] = [pt.value, vp.value];
    const before = kernel.calls.ioctl;
    const cases: IoctlResult<unknown>[] = [
      dev.createVp(p, 2 ** 32),
      dev.createPartition({ ptFlags: 1n << 64n, ptIsolation: 0n }),
      dev.setGuestMemory(p, { size: 4096n, guestPfn: 0n, userspaceAddr: RAM, flags: 0x100 }),
      dev.ioeventfd(p, { datamatch: 0n, addr: 0n, len: 4, fd: 4, flags: 0, rsvd: 2 ** 32 }),
      dev.getVpState(v, { type: 0, bufSz: 32 << 20 }),
      dev.rootHvcall(p, { code: 0x10000, reps: 0, input: new Uint8Array(16), outSz: 0 }),
    ];
    expect(cases.map((r) => (r.ok ? 'ok' : r.error.errnoName))).toEqual(Array(6).fill('EINVAL'));
    expect(cases.map((r) => (r.ok ? '' : r.error.message))).toEqual([
      expect.stringContaining('mshv_create_vp.vpIndex'),
      expect.stringContaining('mshv_create_partition.ptFlags'),
      expect.stringContaining('mshv_user_mem_region.flags'),
      expect.stringContaining('mshv_user_ioeventfd.rsvd'),
      expect.stringContaining('buf_sz'),
      expect.stringContaining('mshv_root_hvcall.code'),
    ]);
    expect(kernel.calls.ioctl).toBe(before + cases.length);
    expect(kernel.liveBuffers).toBe(0);
    dev.dispose();
  });

  it('a host without the driver (review 9, inventory §c.1): open of /dev/mshv answers ENOENT naming the path and the likely cause, mshv_root not loaded; another path is just missing', () => {
    const { sim } = world();
    /** A kernel with no /dev/mshv node. */
    const noNode = new (class extends ModelKernel {
      override open(): SysResult {
        return { ok: false, errno: 2 };
      }
    })(sim.device);
    expect(NativeDevice.open(noNode)).toMatchObject({
      ok: false,
      error: {
        errnoName: 'ENOENT',
        message:
          'open /dev/mshv: ENOENT (no such device node: the mshv_root driver is not loaded, or this host is not a Hyper-V root partition)',
      },
    });
    const r = NativeDevice.open(new ModelKernel(sim.device), '/dev/mshv-absent');
    expect(r.ok ? 'opened' : r.error).toMatchObject({
      errnoName: 'ENOENT',
      message: 'open /dev/mshv-absent: ENOENT (no such file)',
    });
  });

  it('an errno outside the driver’s own is named by its Linux name, asm-generic errno-base.h (review 9: EACCES opening the mode-0600 node, EISDIR), not E13', () => {
    const { sim } = world();
    /** A kernel whose open answers `errno`. */
    const refusing = (errno: number) =>
      new (class extends ModelKernel {
        override open(): SysResult {
          return { ok: false, errno };
        }
      })(sim.device);
    const r = NativeDevice.open(refusing(13));
    expect(r.ok ? 'opened' : r.error).toMatchObject({
      errno: 13,
      errnoName: 'EACCES',
      message: 'open /dev/mshv: EACCES',
    });
    const dir = NativeDevice.open(refusing(21));
    expect(dir.ok ? 'opened' : dir.error).toMatchObject({ errno: 21, errnoName: 'EISDIR' });
    // A value no table names keeps its number.
    const odd = NativeDevice.open(refusing(4000));
    expect(odd.ok ? 'opened' : odd.error).toMatchObject({ errno: 4000, errnoName: 'E4000' });
  });

  it('a failed passthrough keeps the status and reps the kernel copied back', () => {
    const { sim } = world();
    const opened = NativeDevice.open(new ModelKernel(sim.device));
    if (!opened.ok) throw new Error(opened.error.message);
    const dev = opened.value;
    // GET_PARTITION_PROPERTY of partition id 0x7777 (overwritten by the driver with the fd's id), on an
    // uninitialized partition with an unknown property code: the hypervisor answers a status.
    const pt = dev.createPartition({ ptFlags: PT_FLAGS, ptIsolation: 0n });
    if (!pt.ok) throw new Error(pt.error.message);
    const input = new Uint8Array(16);
    new DataView(input.buffer).setUint32(8, 0x7fff_ffff, true);
    const viaModel = sim.device.rootHvcall(pt.value, {
      code: HypercallCode.GET_PARTITION_PROPERTY,
      reps: 0,
      input,
      outSz: 8,
    });
    const viaNative = dev.rootHvcall(pt.value, {
      code: HypercallCode.GET_PARTITION_PROPERTY,
      reps: 0,
      input,
      outSz: 8,
    });
    expect(viaModel.ok).toBe(false);
    expect(shape(viaNative)).toEqual(shape(viaModel));
    if (!viaNative.ok)
      expect(viaNative.error).toMatchObject({
        hypercall: 'GET_PARTITION_PROPERTY',
        status: viaNative.error.hvStatus,
      });
  });
});
