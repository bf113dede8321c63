import { Errno } from '../../src/hv/Errno.js';
import { MSHV_PT_BIT } from '../../src/hv/uapi/flags.js';
import { MSHV_REQUEST } from '../../src/hv/uapi/MshvIoctl.js';
import { MshvCreatePartition, MshvCreatePartitionV2 } from '../../src/hv/uapi/structs/MshvCreatePartition.js';
import { MshvCreateVp } from '../../src/hv/uapi/structs/MshvCreateVp.js';
import { MshvGetSetVpState } from '../../src/hv/uapi/structs/MshvGetSetVpState.js';
import { MshvGpapAccessBitmap } from '../../src/hv/uapi/structs/MshvGpapAccessBitmap.js';
import { MshvRootHvcall } from '../../src/hv/uapi/structs/MshvRootHvcall.js';
import { MshvUserIoeventfd } from '../../src/hv/uapi/structs/MshvUserIoeventfd.js';
import { MshvUserIrqEntry, MshvUserIrqTable } from '../../src/hv/uapi/structs/MshvUserIrqTable.js';
import { MshvUserIrqfd } from '../../src/hv/uapi/structs/MshvUserIrqfd.js';
import { MshvUserMemRegion } from '../../src/hv/uapi/structs/MshvUserMemRegion.js';
import { u32ToS32 } from '../../src/hv/uapi/structs/s32.js';
import type { IoctlResult } from '../../src/pipeline/driver/IoctlResult.js';
import type { RootHvcallError } from '../../src/pipeline/driver/rootHvcall.js';
import type { DevicePort } from '../../src/ports/DevicePort.js';
import type { SysResult, Syscalls, UserBuffer } from './Syscalls.js';

const { ENOENT, EBADF, EFAULT, ENOTTY } = Errno;

/** The /dev/mshv fd of the model kernel: far above the fds the driver model hands out. */
export const MODEL_DEV_FD = 1 << 20;

/** Unsigned little-endian value of `width` bytes. */
function readUnsigned(bytes: Uint8Array, offset: number, width: number): bigint {
  let v = 0n;
  for (let i = width - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[offset + i] ?? 0);
  return v;
}

/**
 * A kernel for the native adapter made of the driver model: `Syscalls` whose ioctl decodes the uapi
 * struct at the argument's address with the layouts, follows its pointer fields into the memory this
 * kernel handed out, calls the model's DevicePort, and copies the answer back where the real driver
 * does (the run message into the struct, `buf_sz` and `status`/`reps` written back, output buffers
 * filled). Memory is a toy address space: page-aligned, never reused, so a stale pointer is EFAULT.
 * Every syscall is counted, so a test can see that a refused argument made none.
 *
 * What it is for: running code written against `NativeDevice` (a VMM's native path) on a machine
 * without /dev/mshv, with the simulated hypervisor beneath, and checking the adapter's encoding of
 * every struct against the model that decodes it. What it is not: the kernel's own copy semantics on
 * failures it does not model (it writes `buf_sz` back only on success).
 *
 * @example
 * const kernel = new ModelKernel(sim.device);
 * const dev = NativeDevice.open(kernel); // { ok: true, value: NativeDevice }
 */
export class ModelKernel implements Syscalls {
  /** Syscalls made, by name. */
  readonly calls = { open: 0, close: 0, ioctl: 0, eventfd: 0, read: 0, write: 0, mmap: 0, munmap: 0 };
  readonly #buffers = new Map<bigint, Uint8Array>();
  #nextAddress = 0x7f12_0000_0000n;
  #devOpen = false;

  constructor(readonly device: DevicePort) {}

  /** Buffers allocated and not yet freed. */
  get liveBuffers(): number {
    return this.#buffers.size;
  }

  open(path: string): SysResult {
    this.calls.open += 1;
    if (path !== '/dev/mshv') return { ok: false, errno: ENOENT };
    this.#devOpen = true;
    return { ok: true, value: MODEL_DEV_FD };
  }

  close(fd: number): SysResult {
    this.calls.close += 1;
    if (fd === MODEL_DEV_FD) {
      if (!this.#devOpen) return { ok: false, errno: EBADF };
      this.#devOpen = false;
      return { ok: true, value: 0 };
    }
    return answer(this.device.close(fd), 0);
  }

  eventfd(): SysResult {
    this.calls.eventfd += 1;
    return { ok: true, value: this.device.createEventfd() };
  }

  read(fd: number, buf: UserBuffer, length: number): SysResult {
    this.calls.read += 1;
    const r = this.device.readEventfd(fd);
    if (!r.ok) return { ok: false, errno: r.error.errno };
    new DataView(buf.bytes.buffer, buf.bytes.byteOffset, length).setBigUint64(0, r.value, true);
    return { ok: true, value: 8 };
  }

  write(fd: number, buf: UserBuffer, length: number): SysResult {
    this.calls.write += 1;
    const value = new DataView(buf.bytes.buffer, buf.bytes.byteOffset, length).getBigUint64(0, true);
    return answer(this.device.writeEventfd(fd, value), 8);
  }

  alloc(size: number, align: number): UserBuffer {
    const address = ((this.#nextAddress + BigInt(align) - 1n) / BigInt(align)) * BigInt(align);
    this.#nextAddress = address + BigInt(Math.ceil(size / 4096) * 4096 + 4096);
    const bytes = new Uint8Array(size);
    this.#buffers.set(address, bytes);
    return { address, bytes };
  }

  free(buf: UserBuffer): void {
    if (!this.#buffers.delete(buf.address))
      throw new Error(`free of 0x${buf.address.toString(16)}: not allocated`);
  }

  mmap(
    fd: number,
    _length: number,
    pgoff: number,
  ): { ok: true; value: bigint } | { ok: false; errno: number } {
    this.calls.mmap += 1;
    const r = this.device.mmapVp(fd, pgoff);
    return r.ok ? { ok: true, value: r.value } : { ok: false, errno: r.error.errno };
  }

  munmap(address: bigint): SysResult {
    this.calls.munmap += 1;
    return answer(this.device.munmap(address), 0);
  }

  peek(address: bigint, length: number): Uint8Array {
    const r = this.device.readMapped(address);
    if (!r.ok) throw new Error(`peek: ${r.error.message} (a real process would fault)`);
    return r.value.slice(0, length);
  }

  /** `length` bytes of user memory at `address`, or null (EFAULT) when no live buffer holds them. */
  user(address: bigint, length: number): Uint8Array | null {
    for (const [base, bytes] of this.#buffers) {
      const off = Number(address - base);
      if (address >= base && off + length <= bytes.length) return bytes.subarray(off, off + length);
    }
    return null;
  }

  ioctl(fd: number, request: number, arg: UserBuffer | null): SysResult {
    this.calls.ioctl += 1;
    const dev = this.device;
    const view =
      arg === null ? null : new DataView(arg.bytes.buffer, arg.bytes.byteOffset, arg.bytes.byteLength);
    if (fd === MODEL_DEV_FD) {
      if (!this.#devOpen) return { ok: false, errno: EBADF };
      if (request === MSHV_REQUEST.MSHV_CREATE_PARTITION && arg !== null && view !== null) {
        const v1 = MshvCreatePartition.decode(view);
        const wide = (v1.ptFlags & (1n << BigInt(MSHV_PT_BIT.CPU_AND_XSAVE_FEATURES))) !== 0n;
        if (!wide) return answer(dev.createPartition(v1), 'value');
        if (arg.bytes.length < MshvCreatePartitionV2.size) return { ok: false, errno: EFAULT };
        const v2 = MshvCreatePartitionV2.decode(view);
        return answer(
          dev.createPartition({
            ptFlags: v2.ptFlags,
            ptIsolation: v2.ptIsolation,
            v2: {
              numCpuFbanks: v2.ptNumCpuFbanks,
              cpuFbanks: [v2.ptCpuFbanks0, v2.ptCpuFbanks1],
              disabledXsave: v2.ptDisabledXsave,
              rsvd: readUnsigned(arg.bytes, 18, 6),
              rsvd1: readUnsigned(arg.bytes, 40, 16),
            },
          }),
          'value',
        );
      }
      if (request === MSHV_REQUEST.MSHV_ROOT_HVCALL && arg !== null) return this.#rootHvcall('device', arg);
      return { ok: false, errno: ENOTTY };
    }
    if (request === MSHV_REQUEST.MSHV_INITIALIZE_PARTITION) return answer(dev.initializePartition(fd), 0);
    if (arg === null || view === null) return { ok: false, errno: EFAULT };
    switch (request) {
      case MSHV_REQUEST.MSHV_SET_GUEST_MEMORY:
        return answer(
          dev.setGuestMemory(fd, { ...MshvUserMemRegion.decode(view), rsvd: readUnsigned(arg.bytes, 25, 7) }),
          0,
        );
      case MSHV_REQUEST.MSHV_CREATE_VP:
        return answer(dev.createVp(fd, MshvCreateVp.decode(view).vpIndex), 'value');
      case MSHV_REQUEST.MSHV_RUN_VP: {
        const r = dev.runVp(fd);
        if (r.ok) arg.bytes.set(r.value.subarray(0, 256));
        return answer(r, 0);
      }
      case MSHV_REQUEST.MSHV_GET_VP_STATE:
      case MSHV_REQUEST.MSHV_SET_VP_STATE:
        return this.#vpState(fd, arg, view, request === MSHV_REQUEST.MSHV_SET_VP_STATE);
      case MSHV_REQUEST.MSHV_IRQFD: {
        const a = MshvUserIrqfd.decode(view);
        return answer(dev.irqfd(fd, { ...a, fd: u32ToS32(a.fd), resamplefd: u32ToS32(a.resamplefd) }), 0);
      }
      case MSHV_REQUEST.MSHV_IOEVENTFD: {
        const a = MshvUserIoeventfd.decode(view);
        return answer(
          dev.ioeventfd(fd, { ...a, fd: u32ToS32(a.fd), rsvd: Number(readUnsigned(arg.bytes, 28, 4)) }),
          0,
        );
      }
      case MSHV_REQUEST.MSHV_SET_MSI_ROUTING: {
        const { nr } = MshvUserIrqTable.decode(view);
        const rsvd = Number(readUnsigned(arg.bytes, 4, 4));
        const entries = [];
        for (let i = 0; i < nr; i++) {
          const at = MshvUserIrqTable.size + i * MshvUserIrqEntry.size;
          if (at + MshvUserIrqEntry.size > arg.bytes.length) return { ok: false, errno: EFAULT };
          entries.push(MshvUserIrqEntry.decode(view, at));
        }
        return answer(dev.setMsiRouting(fd, entries, rsvd), 0);
      }
      case MSHV_REQUEST.MSHV_GET_GPAP_ACCESS_BITMAP: {
        const a = MshvGpapAccessBitmap.decode(view);
        const r = dev.getGpapAccessBitmap(fd, { ...a, rsvd: readUnsigned(arg.bytes, 2, 6) });
        if (r.ok) {
          const out = this.user(a.bitmapPtr, r.value.length);
          if (out === null) return { ok: false, errno: EFAULT };
          out.set(r.value);
        }
        return answer(r, 0);
      }
      case MSHV_REQUEST.MSHV_ROOT_HVCALL:
        return this.#rootHvcall(fd, arg);
      default:
        return { ok: false, errno: ENOTTY };
    }
  }

  #vpState(fd: number, arg: UserBuffer, view: DataView, set: boolean): SysResult {
    const a = MshvGetSetVpState.decode(view);
    const rsvd = Number(readUnsigned(arg.bytes, 1, 3));
    const buffer = this.user(a.bufPtr, a.bufSz);
    if (buffer === null) return { ok: false, errno: EFAULT };
    const args = { type: a.type, rsvd, bufSz: a.bufSz, ...(set ? { data: buffer.slice() } : {}) };
    const r = set ? this.device.setVpState(fd, args) : this.device.getVpState(fd, args);
    if (r.ok) {
      view.setUint32(4, r.value.bufSz, true);
      if (!set) buffer.set(r.value.data);
    }
    return answer(r, 0);
  }

  #rootHvcall(fd: number | 'device', arg: UserBuffer): SysResult {
    const view = new DataView(arg.bytes.buffer, arg.bytes.byteOffset, arg.bytes.byteLength);
    const a = MshvRootHvcall.decode(view);
    const input = this.user(a.inPtr, a.inSz);
    const output = a.outSz > 0 ? this.user(a.outPtr, a.outSz) : new Uint8Array(0);
    if (input === null || output === null) return { ok: false, errno: EFAULT };
    const r = this.device.rootHvcall(fd, {
      code: a.code,
      reps: a.reps,
      input: input.slice(),
      outSz: a.outSz,
      status: a.status,
      rsvd: readUnsigned(arg.bytes, 10, 6),
    });
    if (r.ok) {
      view.setUint16(8, r.value.status, true);
      view.setUint16(2, r.value.reps, true);
      output.set(r.value.output.subarray(0, a.outSz));
    } else {
      const e = r.error as Partial<RootHvcallError>;
      if (e.status !== undefined) view.setUint16(8, e.status, true);
      if (e.reps !== undefined) view.setUint16(2, e.reps, true);
    }
    return answer(r, 0);
  }
}

/** A DevicePort result as a syscall's: the errno, or `value` (the result itself, for an fd). */
function answer(r: IoctlResult<unknown>, value: number | 'value'): SysResult {
  if (!r.ok) return { ok: false, errno: r.error.errno };
  return { ok: true, value: value === 'value' ? (r.value as number) : value };
}
