import { Errno } from '../../src/hv/Errno.js';
import { HV_PAGE_SIZE } from '../../src/hv/Page.js';
import { MSHV_PT_BIT } from '../../src/hv/uapi/flags.js';
import { MSHV_REQUEST } from '../../src/hv/uapi/MshvIoctl.js';
import { MshvCreatePartition, MshvCreatePartitionV2 } from '../../src/hv/uapi/structs/MshvCreatePartition.js';
import { MshvCreateVp } from '../../src/hv/uapi/structs/MshvCreateVp.js';
import { MshvGetSetVpState } from '../../src/hv/uapi/structs/MshvGetSetVpState.js';
import { MshvGpapAccessBitmap } from '../../src/hv/uapi/structs/MshvGpapAccessBitmap.js';
import { MshvRootHvcall } from '../../src/hv/uapi/structs/MshvRootHvcall.js';
import { MshvRunVp } from '../../src/hv/uapi/structs/MshvRunVp.js';
import { MshvUserIoeventfd } from '../../src/hv/uapi/structs/MshvUserIoeventfd.js';
import { MshvUserIrqEntry, MshvUserIrqTable } from '../../src/hv/uapi/structs/MshvUserIrqTable.js';
import { MshvUserIrqfd } from '../../src/hv/uapi/structs/MshvUserIrqfd.js';
import { MshvUserMemRegion } from '../../src/hv/uapi/structs/MshvUserMemRegion.js';
import { u32ToS32 } from '../../src/hv/uapi/structs/s32.js';
import type { StructLayout } from '../../src/hv/Layout.js';
import type { IoctlResult } from '../../src/pipeline/driver/IoctlResult.js';
import type { RootHvcallError } from '../../src/pipeline/driver/rootHvcall.js';
import type { DevicePort } from '../../src/ports/DevicePort.js';
import { getReserved } from './reservedSlot.js';
import type { SysResult, Syscalls, UserBuffer } from './Syscalls.js';
import { UAPI_RESERVED } from './uapiReserved.js';

const { ENOENT, EBADF, EFAULT, ENOTTY } = Errno;

/** The /dev/mshv fd of the model kernel: far above the fds the driver model hands out. */
export const MODEL_DEV_FD = 1 << 20;

/** The first fd number handed out (0, 1 and 2 are the process's stdio). */
const FIRST_FD = 3;

const XSAVE_FEATURES_BIT = 1n << BigInt(MSHV_PT_BIT.CPU_AND_XSAVE_FEATURES);

/** A struct argument that is not there, as the driver model takes it from a JavaScript caller. */
const NO_STRUCT = undefined as never;

/** How the model kernel numbers the fds it hands out. */
export interface ModelKernelOptions {
  /**
   * `'model'` (the default): the driver model's own numbers, which it never reuses (DECISIONS,
   * deviation 8), so a test can hand the fds NativeDevice returns to the simulated world
   * (`sim.setGuestScript(fd, …)`). `'lowest-free'`: the lowest free number, as Linux gives them, mapped
   * to the model's; a number closed here is handed out again, so a test can catch code that acts on
   * an fd after closing it.
   */
  readonly fdNumbers?: 'model' | 'lowest-free';
}

/**
 * A kernel for the native adapter made of the driver model: `Syscalls` whose ioctl copies the uapi
 * struct from the argument's address with the layouts, follows its pointer fields into the memory
 * this kernel handed out, calls the model's DevicePort, and copies the answer back where the real
 * driver does (the run message into the struct, `buf_sz` and `status`/`reps` written back, output
 * buffers filled). Memory is a toy address space of whole 4 KiB pages with an unmapped page after
 * each allocation, never reused, so a stale pointer is EFAULT. A copy that starts inside an
 * allocation and runs past its end, which a real kernel would serve from the neighbouring heap, is
 * the adapter's bug and throws. Every syscall is counted, so a test can see that a refused argument
 * made none.
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
  /** The model's page: HV_PAGE_SIZE, the x86-64 PAGE_SIZE. */
  readonly pageSize: number = HV_PAGE_SIZE;
  readonly #buffers = new Map<bigint, Uint8Array>();
  #nextAddress = 0x7f12_0000_0000n;
  #devOpen = false;
  readonly #lowestFree: boolean;
  /** Process fd → the driver model's fd (`'lowest-free'` numbering only). */
  readonly #toModel = new Map<number, number>();

  constructor(
    readonly device: DevicePort,
    options: ModelKernelOptions = {},
  ) {
    this.#lowestFree = options.fdNumbers === 'lowest-free';
  }

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
    const r = answer(this.device.close(this.#model(fd)), 0);
    if (r.ok) this.#toModel.delete(fd);
    return r;
  }

  eventfd(): SysResult {
    this.calls.eventfd += 1;
    return { ok: true, value: this.#handOut(this.device.createEventfd()) };
  }

  read(fd: number, buf: UserBuffer, length: number): SysResult {
    this.calls.read += 1;
    const r = this.device.readEventfd(this.#model(fd));
    if (!r.ok) return { ok: false, errno: r.error.errno };
    new DataView(buf.bytes.buffer, buf.bytes.byteOffset, length).setBigUint64(0, r.value, true);
    return { ok: true, value: 8 };
  }

  write(fd: number, buf: UserBuffer, length: number): SysResult {
    this.calls.write += 1;
    const value = new DataView(buf.bytes.buffer, buf.bytes.byteOffset, length).getBigUint64(0, true);
    return answer(this.device.writeEventfd(this.#model(fd), value), 8);
  }

  alloc(size: number, align: number): UserBuffer {
    const address = ((this.#nextAddress + BigInt(align) - 1n) / BigInt(align)) * BigInt(align);
    this.#nextAddress = address + BigInt(pagesOf(size) + HV_PAGE_SIZE);
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
    const r = this.device.mmapVp(this.#model(fd), pgoff);
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

  /**
   * `length` bytes of user memory at `address` (copy_from_user / copy_to_user), or null (EFAULT) when
   * no allocation holds that address. Throws when the range starts inside an allocation but runs
   * past its end: a real kernel would copy the neighbouring heap there, so the adapter handed the
   * kernel less than it reads or writes.
   */
  user(address: bigint, length: number): Uint8Array | null {
    for (const [base, bytes] of this.#buffers) {
      if (address < base || address >= base + BigInt(pagesOf(bytes.length))) continue;
      const off = Number(address - base);
      if (off + length <= bytes.length) return bytes.subarray(off, off + length);
      throw new Error(
        `the kernel copies ${length} bytes at 0x${address.toString(16)}, but the buffer there has ${Math.max(bytes.length - off, 0)}: a real kernel would copy the neighbouring heap`,
      );
    }
    return null;
  }

  /**
   * ioctl(2) in the kernel's order: the fd first (one that is not open: EBADF), then its handler (a
   * request it does not take, or another kind of fd: ENOTTY), and only then the struct at `arg`
   * (NULL or unmapped: EFAULT), whatever the pointer was.
   */
  ioctl(fd: number, request: number, arg: UserBuffer | null): SysResult {
    this.calls.ioctl += 1;
    if (fd === MODEL_DEV_FD) {
      if (!this.#devOpen) return { ok: false, errno: EBADF };
      if (request === MSHV_REQUEST.MSHV_CREATE_PARTITION) return this.#createPartition(arg);
      if (request === MSHV_REQUEST.MSHV_ROOT_HVCALL) return this.#rootHvcall('device', arg);
      return { ok: false, errno: ENOTTY };
    }
    const dev = this.device;
    const target = this.#model(fd);
    switch (request) {
      case MSHV_REQUEST.MSHV_INITIALIZE_PARTITION:
        return answer(dev.initializePartition(target), 0);
      case MSHV_REQUEST.MSHV_SET_GUEST_MEMORY: {
        const s = this.#copyIn(arg, MshvUserMemRegion.size);
        if (s === null) return this.#copyFailed(target, 'partition');
        const region = {
          ...MshvUserMemRegion.decode(viewOf(s)),
          rsvd: getReserved(s, UAPI_RESERVED.memRegion),
        };
        return answer(dev.setGuestMemory(target, region), 0);
      }
      case MSHV_REQUEST.MSHV_CREATE_VP: {
        const s = this.#copyIn(arg, MshvCreateVp.size);
        if (s === null) return this.#copyFailed(target, 'partition');
        return this.#fdAnswer(dev.createVp(target, MshvCreateVp.decode(viewOf(s)).vpIndex));
      }
      case MSHV_REQUEST.MSHV_RUN_VP: {
        // The VP runs first; its message is copied out last, EFAULT when the pointer cannot take it
        // (inventory §c.6 step 4).
        const r = dev.runVp(target);
        if (!r.ok) return answer(r, 0);
        const s = this.#copyIn(arg, MshvRunVp.size);
        if (s === null) return { ok: false, errno: EFAULT };
        s.set(r.value.subarray(0, MshvRunVp.size));
        return { ok: true, value: 0 };
      }
      case MSHV_REQUEST.MSHV_GET_VP_STATE:
      case MSHV_REQUEST.MSHV_SET_VP_STATE:
        return this.#vpState(target, arg, request === MSHV_REQUEST.MSHV_SET_VP_STATE);
      case MSHV_REQUEST.MSHV_IRQFD: {
        const s = this.#copyIn(arg, MshvUserIrqfd.size);
        if (s === null) return this.#copyFailed(target, 'partition');
        const a = MshvUserIrqfd.decode(viewOf(s));
        const irqfd = {
          ...a,
          fd: this.#model(u32ToS32(a.fd)),
          resamplefd: this.#model(u32ToS32(a.resamplefd)),
        };
        return answer(dev.irqfd(target, irqfd), 0);
      }
      case MSHV_REQUEST.MSHV_IOEVENTFD: {
        const s = this.#copyIn(arg, MshvUserIoeventfd.size);
        if (s === null) return this.#copyFailed(target, 'partition');
        const a = MshvUserIoeventfd.decode(viewOf(s));
        const rsvd = Number(getReserved(s, UAPI_RESERVED.ioeventfd));
        return answer(dev.ioeventfd(target, { ...a, fd: this.#model(u32ToS32(a.fd)), rsvd }), 0);
      }
      case MSHV_REQUEST.MSHV_SET_MSI_ROUTING:
        return this.#setMsiRouting(target, arg);
      case MSHV_REQUEST.MSHV_GET_GPAP_ACCESS_BITMAP: {
        const s = this.#copyIn(arg, MshvGpapAccessBitmap.size);
        if (s === null) return this.#copyFailed(target, 'partition');
        const a = MshvGpapAccessBitmap.decode(viewOf(s));
        const r = dev.getGpapAccessBitmap(target, {
          ...a,
          rsvd: getReserved(s, UAPI_RESERVED.gpapAccessBitmap),
        });
        if (r.ok) {
          const out = this.user(a.bitmapPtr, r.value.length);
          if (out === null) return { ok: false, errno: EFAULT };
          out.set(r.value);
        }
        return answer(r, 0);
      }
      case MSHV_REQUEST.MSHV_ROOT_HVCALL:
        return this.#rootHvcall(target, arg);
      default: {
        // No mshv handler takes the request, and an eventfd has none: ENOTTY, once fdget found the fd.
        const open = this.#copyFailed(target, 'mshv');
        return open.ok || open.errno !== EBADF ? { ok: false, errno: ENOTTY } : open;
      }
    }
  }

  /** The struct of `size` bytes at the argument pointer (copy_from_user), or null (EFAULT): NULL or unmapped. */
  #copyIn(arg: UserBuffer | null, size: number): Uint8Array | null {
    return arg === null ? null : this.user(arg.address, size);
  }

  /**
   * An ioctl whose struct, or a buffer the struct points at, cannot be copied. The kernel would
   * have refused an fd that is not open (EBADF) or whose handler does not take the request (ENOTTY)
   * before its handler's copy failed (EFAULT). The driver model holds the fd table: it is asked an
   * ioctl of the same handler with no struct, which it refuses in that order without acting on
   * anything (DECISIONS, native adapter item 6); any answer but EBADF or ENOTTY is the EFAULT.
   */
  #copyFailed(fd: number, handler: 'partition' | 'vp' | 'mshv'): SysResult {
    const dev = this.device;
    const r =
      handler === 'partition'
        ? dev.irqfd(fd, NO_STRUCT)
        : handler === 'vp'
          ? dev.getVpState(fd, NO_STRUCT)
          : dev.rootHvcall(fd, NO_STRUCT);
    if (!r.ok && (r.error.errno === EBADF || r.error.errno === ENOTTY))
      return { ok: false, errno: r.error.errno };
    return { ok: false, errno: EFAULT };
  }

  /**
   * MSHV_CREATE_PARTITION: the 16-byte v1 struct, and with CPU_AND_XSAVE_FEATURES the whole 64-byte
   * v2 struct from the same address (inventory §c.2). The model reads v2 before the driver model
   * checks the v1 fields (the kernel checks them first); the answers are the same.
   */
  #createPartition(arg: UserBuffer | null): SysResult {
    const s = this.#copyIn(arg, MshvCreatePartition.size);
    if (s === null || arg === null) return { ok: false, errno: EFAULT };
    const v1 = MshvCreatePartition.decode(viewOf(s));
    if ((v1.ptFlags & XSAVE_FEATURES_BIT) === 0n) return this.#fdAnswer(this.device.createPartition(v1));
    const w = this.user(arg.address, MshvCreatePartitionV2.size);
    if (w === null) return { ok: false, errno: EFAULT };
    const v2 = MshvCreatePartitionV2.decode(viewOf(w));
    return this.#fdAnswer(
      this.device.createPartition({
        ptFlags: v2.ptFlags,
        ptIsolation: v2.ptIsolation,
        v2: {
          numCpuFbanks: v2.ptNumCpuFbanks,
          cpuFbanks: [v2.ptCpuFbanks0, v2.ptCpuFbanks1],
          disabledXsave: v2.ptDisabledXsave,
          rsvd: getReserved(w, UAPI_RESERVED.createPartitionRsvd),
          rsvd1: getReserved(w, UAPI_RESERVED.createPartitionRsvd1),
        },
      }),
    );
  }

  #setMsiRouting(fd: number, arg: UserBuffer | null): SysResult {
    const s = this.#copyIn(arg, MshvUserIrqTable.size);
    if (s === null || arg === null) return this.#copyFailed(fd, 'partition');
    const { nr } = MshvUserIrqTable.decode(viewOf(s));
    const rsvd = Number(getReserved(s, UAPI_RESERVED.irqTable));
    const entries = [];
    for (let i = 0; i < nr; i++) {
      const e = this.user(
        arg.address + BigInt(MshvUserIrqTable.size + i * MshvUserIrqEntry.size),
        MshvUserIrqEntry.size,
      );
      if (e === null) return this.#copyFailed(fd, 'partition');
      entries.push(MshvUserIrqEntry.decode(viewOf(e)));
    }
    return answer(this.device.setMsiRouting(fd, entries, rsvd), 0);
  }

  #vpState(fd: number, arg: UserBuffer | null, set: boolean): SysResult {
    const s = this.#copyIn(arg, MshvGetSetVpState.size);
    if (s === null) return this.#copyFailed(fd, 'vp');
    const view = viewOf(s);
    const a = MshvGetSetVpState.decode(view);
    const rsvd = Number(getReserved(s, UAPI_RESERVED.vpState));
    const buffer = this.user(a.bufPtr, a.bufSz);
    if (buffer === null) return this.#copyFailed(fd, 'vp');
    const args = { type: a.type, rsvd, bufSz: a.bufSz, ...(set ? { data: buffer.slice() } : {}) };
    const r = set ? this.device.setVpState(fd, args) : this.device.getVpState(fd, args);
    if (r.ok) {
      putField(MshvGetSetVpState, view, 'bufSz', r.value.bufSz);
      if (!set) buffer.set(r.value.data);
    }
    return answer(r, 0);
  }

  #rootHvcall(fd: number | 'device', arg: UserBuffer | null): SysResult {
    // /dev/mshv is open (the caller checked): a copy that fails there is EFAULT.
    const copyFailed = (): SysResult =>
      fd === 'device' ? { ok: false, errno: EFAULT } : this.#copyFailed(fd, 'mshv');
    const s = this.#copyIn(arg, MshvRootHvcall.size);
    if (s === null) return copyFailed();
    const view = viewOf(s);
    const a = MshvRootHvcall.decode(view);
    const input = this.user(a.inPtr, a.inSz);
    const output = a.outSz > 0 ? this.user(a.outPtr, a.outSz) : new Uint8Array(0);
    if (input === null || output === null) return copyFailed();
    const r = this.device.rootHvcall(fd, {
      code: a.code,
      reps: a.reps,
      input: input.slice(),
      outSz: a.outSz,
      status: a.status,
      rsvd: getReserved(s, UAPI_RESERVED.rootHvcall),
    });
    // status and reps go back where the layout has them; the kernel writes no other byte.
    const back = (status: number, reps: number): void => {
      putField(MshvRootHvcall, view, 'status', status);
      putField(MshvRootHvcall, view, 'reps', reps);
    };
    if (r.ok) {
      back(r.value.status, r.value.reps);
      output.set(r.value.output.subarray(0, a.outSz));
    } else {
      const e = r.error as Partial<RootHvcallError>;
      if (e.status !== undefined || e.reps !== undefined) back(e.status ?? a.status, e.reps ?? a.reps);
    }
    return answer(r, 0);
  }

  /** A new model fd as the process sees it. */
  #handOut(modelFd: number): number {
    if (!this.#lowestFree) return modelFd;
    let fd = FIRST_FD;
    while (this.#toModel.has(fd)) fd++;
    this.#toModel.set(fd, modelFd);
    return fd;
  }

  /** A DevicePort answer that is a new fd, as the process sees it. */
  #fdAnswer(r: IoctlResult<number>): SysResult {
    return r.ok ? { ok: true, value: this.#handOut(r.value) } : { ok: false, errno: r.error.errno };
  }

  /**
   * The driver model's fd for a process fd. A number this kernel has not handed out goes as it is,
   * unless it happens to be a live model fd under another process number: then -1, open nowhere.
   */
  #model(fd: number): number {
    if (!this.#lowestFree) return fd;
    const m = this.#toModel.get(fd);
    if (m !== undefined) return m;
    for (const v of this.#toModel.values()) if (v === fd) return -1;
    return fd;
  }
}

/** Bytes spanned by whole 4 KiB pages of a `size`-byte allocation. */
function pagesOf(size: number): number {
  return Math.ceil(size / HV_PAGE_SIZE) * HV_PAGE_SIZE;
}

/** Write one named u16 or u32 field of `layout` in place, leaving every other byte as it is. */
function putField(layout: StructLayout, view: DataView, name: string, value: number): void {
  const f = layout.fields.find((x) => x.name === name);
  if (f?.kind === 'u16') view.setUint16(f.offset, value, true);
  else if (f?.kind === 'u32') view.setUint32(f.offset, value, true);
  else throw new Error(`layout ${layout.name}: no u16 or u32 field ${name}`);
}

function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** A DevicePort result as a syscall's: the errno, or `value`. */
function answer(r: IoctlResult<unknown>, value: number): SysResult {
  return r.ok ? { ok: true, value } : { ok: false, errno: r.error.errno };
}
