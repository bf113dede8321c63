import { constants as osConstants } from 'node:os';
import { errnoName } from '../../src/hv/Errno.js';
import { hvStatusName } from '../../src/hv/HvStatus.js';
import { HV_PAGE_SIZE } from '../../src/hv/Page.js';
import type { PartitionId } from '../../src/hv/ids.js';
import { MSHV_REQUEST } from '../../src/hv/uapi/MshvIoctl.js';
import { MshvCreateVp } from '../../src/hv/uapi/structs/MshvCreateVp.js';
import { MshvGetSetVpState } from '../../src/hv/uapi/structs/MshvGetSetVpState.js';
import { MshvGpapAccessBitmap } from '../../src/hv/uapi/structs/MshvGpapAccessBitmap.js';
import { MshvRootHvcall } from '../../src/hv/uapi/structs/MshvRootHvcall.js';
import { MshvRunVp } from '../../src/hv/uapi/structs/MshvRunVp.js';
import { MshvUserIoeventfd } from '../../src/hv/uapi/structs/MshvUserIoeventfd.js';
import { MshvUserIrqEntry, MshvUserIrqTable } from '../../src/hv/uapi/structs/MshvUserIrqTable.js';
import { MshvUserIrqfd } from '../../src/hv/uapi/structs/MshvUserIrqfd.js';
import { MshvUserMemRegion } from '../../src/hv/uapi/structs/MshvUserMemRegion.js';
import type { StructLayout } from '../../src/hv/Layout.js';
import { createPartitionFields, ioeventfdFields, irqfdFields } from '../../src/pipeline/driver/uapiFields.js';
import { abiFits } from '../../src/pipeline/driver/abiFits.js';
import { addressText } from '../../src/pipeline/driver/addressText.js';
import { userPointer } from '../../src/pipeline/driver/userPointer.js';
import { userTablePointer } from '../../src/pipeline/driver/userTablePointer.js';
import { hypercallDefByCode } from '../../src/hv/hypercalls/index.js';
import { GPAP_PAGE_COUNT_MAX } from '../../src/pipeline/driver/gpapAccessBitmap.js';
import { type IoctlResult, type MshvError, fail, ok } from '../../src/pipeline/driver/IoctlResult.js';
import type { RootHvcallError } from '../../src/pipeline/driver/rootHvcall.js';
import type {
  CreatePartitionArgs,
  DevicePort,
  Fd,
  GpapAccessBitmapArgs,
  RootHvcallArgs,
  RootHvcallResult,
  UserIoeventfd,
  UserIrqEntry,
  UserIrqfd,
  UserMemRegion,
  VpStateArgs,
  VpStateResult,
} from '../../src/ports/DevicePort.js';
import {
  EFD_CLOEXEC,
  EFD_NONBLOCK,
  O_CLOEXEC,
  O_RDWR,
  type SysResult,
  type Syscalls,
  type UserBuffer,
} from './Syscalls.js';

/** Where the mshv_root driver lives. */
export const MSHV_DEVICE_PATH = '/dev/mshv';

/**
 * The largest VP state buffer the adapter allocates. The kernel may pin `buf_sz / 4096` user pages
 * of a PFN-based state type (more than 507 is EINVAL in its wrapper), so the adapter always backs
 * the whole `buf_sz`; past this size no state type could use it and the request is refused here.
 */
export const VP_STATE_BUFFER_BYTES_MAX = 16 << 20;

/** The errno of a failed syscall as an MshvError of `op`. */
function sysError(op: string, errno: number, what: string): MshvError {
  const name = errnoName(errno) ?? (`E${errno}` as const);
  // An errno the driver's table does not name (EACCES from open, say) is named from the OS's table.
  const osName = errnoName(errno) === undefined ? OS_ERRNO_NAMES.get(errno) : undefined;
  return {
    errno,
    errnoName: name,
    op,
    message: `${what}: ${osName === undefined ? name : `${osName} (errno ${errno})`}`,
  };
}

/** The host OS's errno names by value (node:os), for errnos outside the driver's table. */
const OS_ERRNO_NAMES = new Map<number, string>(
  Object.entries(osConstants.errno).map(([name, value]) => [value, name]),
);

/**
 * The DevicePort on the real /dev/mshv: every method is one system call with the uapi struct encoded
 * by the same layouts the driver model decodes (src/hv/uapi/structs), the request numbers of
 * `MSHV_REQUEST`, and the kernel's errno as the MshvError. Pointer fields (`buf_ptr`, `in_ptr`,
 * `out_ptr`, `bitmap_ptr`) name buffers the adapter allocates for the call, always as large as the
 * size the kernel is told, and frees after it. Reserved fields are passed as the caller gave them,
 * so the kernel judges them; a value the ABI cannot carry at all (a u32 field above 2^32) is refused
 * before any syscall as EINVAL naming the field, and nothing is left open.
 *
 * Tests run it over a kernel made of the driver model (`ModelKernel`, ./ModelKernel.ts), which checks
 * every struct byte for byte; on a host with /dev/mshv, over `libcSyscalls()`.
 *
 * @example
 * const dev = NativeDevice.open(libcSyscalls());
 * if (!dev.ok) console.error(dev.error.message); // open /dev/mshv: ENOENT
 */
export class NativeDevice implements DevicePort {
  #closed = false;
  /** Addresses of the VP pages this device mapped and has not unmapped. */
  readonly #mappings = new Set<bigint>();

  private constructor(
    readonly sys: Syscalls,
    /** The /dev/mshv fd. */
    readonly fd: Fd,
  ) {}

  /**
   * Open /dev/mshv (O_RDWR | O_CLOEXEC). ENOENT when the mshv_root driver is not loaded (no Hyper-V
   * root partition), EACCES without permission.
   */
  static open(sys: Syscalls, path: string = MSHV_DEVICE_PATH): IoctlResult<NativeDevice> {
    const r = sys.open(path, O_RDWR | O_CLOEXEC);
    if (!r.ok) return { ok: false, error: sysError('open', r.errno, `open ${path}`) };
    return ok(new NativeDevice(sys, r.value));
  }

  /** Close /dev/mshv itself (partition and VP fds stay the caller's to close). */
  dispose(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.sys.close(this.fd);
  }

  createPartition(arg: CreatePartitionArgs): IoctlResult<Fd> {
    const op = 'MSHV_CREATE_PARTITION';
    const noStruct = userPointer(op, 'mshv_create_partition', arg);
    if (noStruct !== null) return noStruct;
    // The v2 struct travels under the v1 request number (its size field says 16): the driver reads the
    // rest when pt_flags has CPU_AND_XSAVE_FEATURES (inventory §c.2).
    const v2 = arg.v2;
    const { layout, values } = createPartitionFields(arg);
    return this.#ioctl(this.fd, op, MSHV_REQUEST.MSHV_CREATE_PARTITION, layout.size, (buf) => {
      (layout as StructLayout).encode(values, viewOf(buf));
      if (v2 !== undefined) {
        putUnsigned(buf, 18, 6, v2.rsvd ?? 0n, 'mshv_create_partition_v2.ptRsvd');
        putUnsigned(buf, 40, 16, v2.rsvd1 ?? 0n, 'mshv_create_partition_v2.ptRsvd1');
      }
    });
  }

  initializePartition(partitionFd: Fd): IoctlResult<void> {
    const r = this.sys.ioctl(partitionFd, MSHV_REQUEST.MSHV_INITIALIZE_PARTITION, null);
    return r.ok ? ok(undefined) : failed('MSHV_INITIALIZE_PARTITION', partitionFd, r);
  }

  setGuestMemory(partitionFd: Fd, region: UserMemRegion): IoctlResult<void> {
    const op = 'MSHV_SET_GUEST_MEMORY';
    const noStruct = userPointer(op, 'mshv_user_mem_region', region);
    if (noStruct !== null) return noStruct;
    return this.#ioctlVoid(
      partitionFd,
      op,
      MSHV_REQUEST.MSHV_SET_GUEST_MEMORY,
      MshvUserMemRegion.size,
      (buf) => {
        MshvUserMemRegion.encode(region, viewOf(buf));
        putUnsigned(buf, 25, 7, region.rsvd ?? 0n, 'mshv_user_mem_region.rsvd');
      },
    );
  }

  createVp(partitionFd: Fd, vpIndex: number): IoctlResult<Fd> {
    return this.#ioctl(
      partitionFd,
      'MSHV_CREATE_VP',
      MSHV_REQUEST.MSHV_CREATE_VP,
      MshvCreateVp.size,
      (buf) => {
        MshvCreateVp.encode({ vpIndex }, viewOf(buf));
      },
    );
  }

  runVp(vpFd: Fd): IoctlResult<Uint8Array> {
    return this.#withBuffer(MshvRunVp.size, 8, (buf) => {
      const r = this.sys.ioctl(vpFd, MSHV_REQUEST.MSHV_RUN_VP, buf);
      return r.ok ? ok(buf.bytes.slice(0, MshvRunVp.size)) : failed('MSHV_RUN_VP', vpFd, r);
    });
  }

  getVpState(vpFd: Fd, arg: VpStateArgs): IoctlResult<VpStateResult> {
    return this.#vpState(vpFd, arg, false);
  }

  setVpState(vpFd: Fd, arg: VpStateArgs): IoctlResult<VpStateResult> {
    return this.#vpState(vpFd, arg, true);
  }

  irqfd(partitionFd: Fd, arg: UserIrqfd): IoctlResult<void> {
    const noStruct = userPointer('MSHV_IRQFD', 'mshv_user_irqfd', arg);
    if (noStruct !== null) return noStruct;
    return this.#ioctlVoid(partitionFd, 'MSHV_IRQFD', MSHV_REQUEST.MSHV_IRQFD, MshvUserIrqfd.size, (buf) => {
      MshvUserIrqfd.encode(irqfdFields(arg), viewOf(buf));
    });
  }

  ioeventfd(partitionFd: Fd, arg: UserIoeventfd): IoctlResult<void> {
    const op = 'MSHV_IOEVENTFD';
    const noStruct = userPointer(op, 'mshv_user_ioeventfd', arg);
    if (noStruct !== null) return noStruct;
    return this.#ioctlVoid(partitionFd, op, MSHV_REQUEST.MSHV_IOEVENTFD, MshvUserIoeventfd.size, (buf) => {
      MshvUserIoeventfd.encode(ioeventfdFields(arg), viewOf(buf));
      putUnsigned(buf, 28, 4, BigInt(arg.rsvd ?? 0), 'mshv_user_ioeventfd.rsvd');
    });
  }

  setMsiRouting(partitionFd: Fd, entries: readonly UserIrqEntry[], rsvd = 0): IoctlResult<void> {
    const op = 'MSHV_SET_MSI_ROUTING';
    const noTable = userTablePointer(op, 'mshv_user_irq_table', entries);
    if (noTable !== null) return noTable;
    const size = MshvUserIrqTable.size + entries.length * MshvUserIrqEntry.size;
    return this.#ioctlVoid(partitionFd, op, MSHV_REQUEST.MSHV_SET_MSI_ROUTING, size, (buf) => {
      const view = viewOf(buf);
      MshvUserIrqTable.encode({ nr: entries.length }, view);
      putUnsigned(buf, 4, 4, BigInt(rsvd), 'mshv_user_irq_table.rsvd');
      for (const [i, e] of entries.entries())
        MshvUserIrqEntry.encode(e, view, MshvUserIrqTable.size + i * MshvUserIrqEntry.size);
    });
  }

  getGpapAccessBitmap(partitionFd: Fd, arg: GpapAccessBitmapArgs): IoctlResult<Uint8Array> {
    const op = 'MSHV_GET_GPAP_ACCESS_BITMAP';
    const unfit =
      userPointer(op, 'mshv_gpap_access_bitmap', arg) ??
      abiFits(op, MshvGpapAccessBitmap, () => ({ ...arg, bitmapPtr: 0n }));
    if (unfit !== null) return unfit;
    // The kernel writes ceil(page_count / 8) bytes at bitmap_ptr: back exactly that, or refuse.
    if (arg.pageCount > BigInt(GPAP_PAGE_COUNT_MAX))
      return fail(op, 'ENOMEM', `page_count ${arg.pageCount}: the state buffer cannot be allocated`);
    const bitmapBytes = arg.pageCount > 0n ? Math.ceil(Number(arg.pageCount) / 8) : 0;
    return this.#withBuffer(Math.max(bitmapBytes, 8), 8, (bitmap) =>
      this.#withStruct(op, MshvGpapAccessBitmap.size, (buf) => {
        MshvGpapAccessBitmap.encode({ ...arg, bitmapPtr: bitmap.address }, viewOf(buf));
        putUnsigned(buf, 2, 6, arg.rsvd ?? 0n, 'mshv_gpap_access_bitmap.rsvd');
        const r = this.sys.ioctl(partitionFd, MSHV_REQUEST.MSHV_GET_GPAP_ACCESS_BITMAP, buf);
        return r.ok ? ok(bitmap.bytes.slice(0, bitmapBytes)) : failed(op, partitionFd, r);
      }),
    );
  }

  rootHvcall(fd: Fd | 'device', arg: RootHvcallArgs): IoctlResult<RootHvcallResult> {
    const op = 'MSHV_ROOT_HVCALL';
    const noStruct = userPointer(op, 'mshv_root_hvcall', arg, ['input']);
    if (noStruct !== null) return noStruct;
    const target = fd === 'device' ? this.fd : fd;
    return this.#withBuffer(Math.max(arg.input.length, 8), 8, (input) =>
      this.#withBuffer(Math.max(arg.outSz, 8), 8, (output) =>
        this.#withStruct(op, MshvRootHvcall.size, (buf) => {
          input.bytes.set(arg.input);
          const view = viewOf(buf);
          MshvRootHvcall.encode(
            {
              code: arg.code,
              reps: arg.reps,
              inSz: arg.input.length,
              outSz: arg.outSz,
              status: arg.status ?? 0,
              inPtr: input.address,
              outPtr: arg.outSz > 0 ? output.address : 0n,
            },
            view,
          );
          putUnsigned(buf, 10, 6, arg.rsvd ?? 0n, 'mshv_root_hvcall.rsvd');
          const r = this.sys.ioctl(target, MSHV_REQUEST.MSHV_ROOT_HVCALL, buf);
          // The kernel copies status and reps back once the hypercall ran, whether it succeeded or not;
          // an argument it refused first leaves status 0 (the caller's, which must be 0).
          const back = MshvRootHvcall.decode(view);
          if (r.ok)
            return ok({ status: back.status, reps: back.reps, output: output.bytes.slice(0, arg.outSz) });
          if (back.status === 0 || (arg.status ?? 0) !== 0) return failed(op, target, r);
          return { ok: false, error: hvcallError(r.errno, arg.code, back.status, back.reps) };
        }),
      ),
    );
  }

  createEventfd(): Fd {
    const r = this.sys.eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (!r.ok)
      throw new Error(`eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC): ${errnoName(r.errno) ?? `E${r.errno}`}`);
    return r.value;
  }

  readEventfd(fd: Fd): IoctlResult<bigint> {
    return this.#withBuffer(8, 8, (buf) => {
      const r = this.sys.read(fd, buf, 8);
      if (!r.ok) return { ok: false, error: sysError('eventfd read', r.errno, `read(${fd}, 8)`) };
      if (r.value !== 8) return fail('eventfd read', 'EIO', `read(${fd}, 8) returned ${r.value} bytes`);
      return ok(viewOf(buf).getBigUint64(0, true));
    });
  }

  writeEventfd(fd: Fd, value: bigint): IoctlResult<void> {
    if (typeof value !== 'bigint' || value < 0n || value > 0xffff_ffff_ffff_ffffn)
      return fail('eventfd write', 'EINVAL', `value ${value} is not a u64`);
    return this.#withBuffer(8, 8, (buf) => {
      viewOf(buf).setBigUint64(0, value, true);
      const r = this.sys.write(fd, buf, 8);
      return r.ok
        ? ok(undefined)
        : { ok: false, error: sysError('eventfd write', r.errno, `write(${fd}, 8)`) };
    });
  }

  mmapVp(vpFd: Fd, pgoff: number): IoctlResult<bigint> {
    const r = this.sys.mmap(vpFd, HV_PAGE_SIZE, pgoff);
    if (!r.ok)
      return { ok: false, error: sysError('mmap', r.errno, `mmap of fd ${vpFd} at page offset ${pgoff}`) };
    this.#mappings.add(r.value);
    return ok(r.value);
  }

  readMapped(address: bigint): IoctlResult<Uint8Array> {
    if (typeof address !== 'bigint' || !this.#mappings.has(address))
      return fail('mmap', 'EFAULT', `${addressText(address)} is not a mapped VP page`);
    return ok(this.sys.peek(address, HV_PAGE_SIZE));
  }

  munmap(address: bigint): IoctlResult<void> {
    if (typeof address !== 'bigint')
      return fail('munmap', 'EINVAL', `address ${String(address)}: expected a bigint user address`);
    const r = this.sys.munmap(address, HV_PAGE_SIZE);
    if (!r.ok) return { ok: false, error: sysError('munmap', r.errno, `munmap(0x${address.toString(16)})`) };
    this.#mappings.delete(address);
    return ok(undefined);
  }

  close(fd: Fd): IoctlResult<void> {
    const r = this.sys.close(fd);
    return r.ok ? ok(undefined) : { ok: false, error: sysError('close', r.errno, `close(${fd})`) };
  }

  /** Not known on a native fd: the uapi hands out fds, and the partition id stays in the kernel. */
  partitionIdOf(): PartitionId | undefined {
    return undefined;
  }

  #vpState(vpFd: Fd, arg: VpStateArgs, set: boolean): IoctlResult<VpStateResult> {
    const op = set ? 'MSHV_SET_VP_STATE' : 'MSHV_GET_VP_STATE';
    const unfit =
      userPointer(op, 'mshv_get_set_vp_state', arg) ??
      abiFits(op, MshvGetSetVpState, () => ({ ...arg, bufPtr: 0n }));
    if (unfit !== null) return unfit;
    if (arg.bufSz > VP_STATE_BUFFER_BYTES_MAX)
      return fail(
        op,
        'EINVAL',
        `buf_sz ${arg.bufSz}: above the ${VP_STATE_BUFFER_BYTES_MAX} bytes the adapter backs`,
      );
    if (set && arg.data !== undefined && arg.data.length > arg.bufSz)
      return fail(op, 'EINVAL', `data: ${arg.data.length} bytes do not fit buf_sz ${arg.bufSz}`);
    // buf_ptr must be page aligned (inventory §c.7): the buffer is whole pages.
    return this.#withBuffer(Math.max(arg.bufSz, HV_PAGE_SIZE), HV_PAGE_SIZE, (state) =>
      this.#withStruct(op, MshvGetSetVpState.size, (buf) => {
        if (set && arg.data !== undefined) state.bytes.set(arg.data);
        const view = viewOf(buf);
        MshvGetSetVpState.encode({ type: arg.type, bufSz: arg.bufSz, bufPtr: state.address }, view);
        putUnsigned(buf, 1, 3, BigInt(arg.rsvd ?? 0), 'mshv_get_set_vp_state.rsvd');
        const request = set ? MSHV_REQUEST.MSHV_SET_VP_STATE : MSHV_REQUEST.MSHV_GET_VP_STATE;
        const r = this.sys.ioctl(vpFd, request, buf);
        // buf_sz is written back before the size check: the caller learns the size it needs either way.
        const required = MshvGetSetVpState.decode(view).bufSz;
        if (!r.ok) {
          const e = sysError(op, r.errno, `${op} on fd ${vpFd}`);
          return { ok: false, error: { ...e, message: `${e.message} (buf_sz written back: ${required})` } };
        }
        return ok({ bufSz: required, data: set ? new Uint8Array(0) : state.bytes.slice(0, required) });
      }),
    );
  }

  /** An ioctl whose struct argument `fill` writes; its non-negative return value is the answer. */
  #ioctl(
    fd: Fd,
    op: string,
    request: number,
    size: number,
    fill: (buf: UserBuffer) => void,
  ): IoctlResult<number> {
    return this.#withStruct(op, size, (buf) => {
      fill(buf);
      const r = this.sys.ioctl(fd, request, buf);
      return r.ok ? ok(r.value) : failed(op, fd, r);
    });
  }

  #ioctlVoid(
    fd: Fd,
    op: string,
    request: number,
    size: number,
    fill: (buf: UserBuffer) => void,
  ): IoctlResult<void> {
    const r = this.#ioctl(fd, op, request, size, fill);
    return r.ok ? ok(undefined) : r;
  }

  /** Run `body` with an argument struct's memory; a value the layout cannot encode is EINVAL, no syscall made. */
  #withStruct<T>(op: string, size: number, body: (buf: UserBuffer) => IoctlResult<T>): IoctlResult<T> {
    return this.#withBuffer(size, 8, (buf) => {
      try {
        return body(buf);
      } catch (e) {
        if (e instanceof RangeError) return fail(op, 'EINVAL', e.message);
        throw e;
      }
    });
  }

  #withBuffer<T>(size: number, align: number, body: (buf: UserBuffer) => T): T {
    const buf = this.sys.alloc(size, align);
    try {
      return body(buf);
    } finally {
      this.sys.free(buf);
    }
  }
}

function viewOf(buf: UserBuffer): DataView {
  return new DataView(buf.bytes.buffer, buf.bytes.byteOffset, buf.bytes.byteLength);
}

/** Write an unsigned little-endian value into `width` bytes (a reserved field, as the caller gave it). */
function putUnsigned(buf: UserBuffer, offset: number, width: number, value: bigint, field: string): void {
  if (value < 0n || value >> BigInt(width * 8) !== 0n)
    throw new RangeError(`${field}: ${value} does not fit ${width} bytes`);
  let v = value;
  for (let i = 0; i < width; i++) {
    buf.bytes[offset + i] = Number(v & 0xffn);
    v >>= 8n;
  }
}

function failed<T>(op: string, fd: Fd, r: SysResult & { readonly ok: false }): IoctlResult<T> {
  return { ok: false, error: sysError(op, r.errno, `${op} on fd ${fd}`) };
}

/** A failed passthrough: the errno, and the status and reps the kernel copied back. */
function hvcallError(errno: number, code: number, status: number, reps: number): RootHvcallError {
  const name = errnoName(errno) ?? (`E${errno}` as const);
  const hypercall = hypercallDefByCode(code)?.name ?? `0x${code.toString(16)}`;
  const statusName = hvStatusName(status);
  return {
    errno,
    errnoName: name,
    hvStatus: status,
    hvStatusName: statusName,
    hypercall,
    op: 'MSHV_ROOT_HVCALL',
    message: `${hypercall}: ${name} (HV_STATUS_${statusName})`,
    status,
    reps,
  };
}
