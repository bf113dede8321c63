import { Errno, errnoName } from '../../src/hv/Errno.js';
import { hvStatusName } from '../../src/hv/HvStatus.js';
import { HV_PAGE_SIZE } from '../../src/hv/Page.js';
import type { PartitionId } from '../../src/hv/ids.js';
import { hypercallDefByCode } from '../../src/hv/hypercalls/index.js';
import {
  MSHV_GPAP_ACCESS_OP,
  MSHV_GPAP_ACCESS_TYPE,
  MSHV_MAX_GUEST_IRQS,
  MSHV_PT_BIT,
  MSHV_PT_FLAGS_MASK,
  MSHV_PT_ISOLATION,
} from '../../src/hv/uapi/flags.js';
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
import type { StructLayout } from '../../src/hv/Layout.js';
import { abiFits } from '../../src/pipeline/driver/abiFits.js';
import { addressText } from '../../src/pipeline/driver/addressText.js';
import { GPAP_PAGE_COUNT_MAX } from '../../src/pipeline/driver/gpapAccessBitmap.js';
import { type IoctlResult, fail, ok } from '../../src/pipeline/driver/IoctlResult.js';
import type { RootHvcallError } from '../../src/pipeline/driver/rootHvcall.js';
import { createPartitionFields, ioeventfdFields, irqfdFields } from '../../src/pipeline/driver/uapiFields.js';
import { userPointer } from '../../src/pipeline/driver/userPointer.js';
import { userTablePointer } from '../../src/pipeline/driver/userTablePointer.js';
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
} from '../../src/ports/DevicePort.js';
import { type ReservedSlot, putReserved } from './reservedSlot.js';
import { failedIoctl, sysError } from './sysError.js';
import { EFD_CLOEXEC, EFD_NONBLOCK, O_CLOEXEC, O_RDWR, type Syscalls, type UserBuffer } from './Syscalls.js';
import { UAPI_RESERVED } from './uapiReserved.js';
import type { VpStateError, VpStateIoctlResult } from './VpStateError.js';

/** Where the mshv_root driver lives. */
export const MSHV_DEVICE_PATH = '/dev/mshv';

/**
 * The largest VP state buffer the adapter allocates. The kernel may pin `buf_sz / PAGE_SIZE` user
 * pages of a PFN-based state type (more than 507 is EINVAL in its wrapper), so the adapter always
 * backs the whole `buf_sz`; past this size no state type could use it and the request is refused here.
 */
export const VP_STATE_BUFFER_BYTES_MAX = 16 << 20;

/** What a missing device node most likely means (inventory §c.1: the driver loads on a root partition only). */
const NO_DEVICE_HINT =
  'no such device node: the mshv_root driver is not loaded, or this host is not a Hyper-V root partition';

const XSAVE_FEATURES_BIT = 1n << BigInt(MSHV_PT_BIT.CPU_AND_XSAVE_FEATURES);

/**
 * The DevicePort on the real /dev/mshv: every method is one system call with the uapi struct encoded
 * by the same layouts the driver model decodes (src/hv/uapi/structs), the request numbers of
 * `MSHV_REQUEST`, and the kernel's errno as the MshvError. Pointer fields (`buf_ptr`, `in_ptr`,
 * `out_ptr`, `bitmap_ptr`) name buffers the adapter allocates for the call, always as large as the
 * size the kernel is told, and frees after it; an argument struct is never shorter than what the
 * kernel copies from it. Reserved fields are passed as the caller gave them, so the kernel judges
 * them; a value the ABI cannot carry at all (a u32 field above 2^32) is never sent: the ioctl is
 * made with a NULL argument instead, so the kernel judges the fd first (EBADF, ENOTTY), and on the
 * right fd the answer is EINVAL naming the field, with nothing allocated or left open. A struct that
 * is not there at all goes to the kernel as a NULL pointer the same way, and the kernel's EFAULT names
 * the struct.
 *
 * The device owns what it hands out: `close`, and an eventfd's read and write, act only on partition,
 * VP and event fds it created and has not closed (anything else is EBADF with no system call, since in
 * a process that number may belong to another file by now), `munmap` unmaps only pages `mmapVp`
 * mapped, and `dispose` releases what is left; after it, every method answers EBADF without a system
 * call.
 *
 * Tests run it over a kernel made of the driver model (`ModelKernel`, ./ModelKernel.ts), which checks
 * every struct byte for byte; on a host with /dev/mshv, over `libcSyscalls()`.
 *
 * @example
 * const dev = NativeDevice.open(libcSyscalls());
 * if (!dev.ok) console.error(dev.error.message); // open /dev/mshv: ENOENT (no such device node: ...)
 */
export class NativeDevice implements DevicePort {
  #closed = false;
  /** Addresses of the VP pages this device mapped and has not unmapped. */
  readonly #mappings = new Set<bigint>();
  /** Partition, VP and event fds this device handed out and has not closed, in the order made. */
  readonly #fds = new Set<Fd>();

  private constructor(
    readonly sys: Syscalls,
    /** The /dev/mshv fd. */
    readonly fd: Fd,
  ) {}

  /**
   * Open /dev/mshv (O_RDWR | O_CLOEXEC). ENOENT when the mshv_root driver is not loaded (no Hyper-V
   * root partition), said so in the message; EACCES without permission (the node is mode 0600).
   *
   * @example
   * NativeDevice.open(libcSyscalls()); // { ok: false, error: { errnoName: 'ENOENT', ... } } without mshv_root
   */
  static open(sys: Syscalls, path: string = MSHV_DEVICE_PATH): IoctlResult<NativeDevice> {
    const r = sys.open(path, O_RDWR | O_CLOEXEC);
    if (!r.ok) {
      const e = sysError('open', r.errno, `open ${path}`);
      return {
        ok: false,
        // The hint is about /dev/mshv: another path the caller chose is simply not there.
        error:
          r.errno === Errno.ENOENT
            ? {
                ...e,
                message: `${e.message} (${path === MSHV_DEVICE_PATH ? NO_DEVICE_HINT : 'no such file'})`,
              }
            : e,
      };
    }
    return ok(new NativeDevice(sys, r.value));
  }

  /**
   * Release everything the device still holds: the VP pages it mapped, the fds it handed out (newest
   * first, so VPs go before their partition), then /dev/mshv itself. Every later call is EBADF, with
   * no system call: the numbers may belong to other files by then.
   *
   * @example
   * dev.dispose(); // dev.createPartition(...) is now EBADF
   */
  dispose(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const address of this.#mappings) this.sys.munmap(address, HV_PAGE_SIZE);
    this.#mappings.clear();
    for (const fd of [...this.#fds].reverse()) this.sys.close(fd);
    this.#fds.clear();
    this.sys.close(this.fd);
  }

  createPartition(arg: CreatePartitionArgs): IoctlResult<Fd> {
    const op = 'MSHV_CREATE_PARTITION';
    const gone = this.#disposed(op);
    if (gone !== null) return gone;
    const noStruct = userPointer(op, 'mshv_create_partition', arg);
    if (noStruct !== null) return this.#afterFd(this.fd, op, MSHV_REQUEST.MSHV_CREATE_PARTITION, noStruct);
    const unfit = abiFits(op, MshvCreatePartition, () => ({
      ptFlags: arg.ptFlags,
      ptIsolation: arg.ptIsolation,
    }));
    if (unfit !== null) return this.#afterFd(this.fd, op, MSHV_REQUEST.MSHV_CREATE_PARTITION, unfit);
    // With CPU_AND_XSAVE_FEATURES the kernel copies the whole 64-byte v2 struct from the same pointer
    // once the v1 fields pass (inventory §c.2 steps 1-2); without a v2 to give it, that copy is the
    // driver model's EFAULT, answered here, since a real copy would read whatever lies past the struct.
    // (abiFits passed: both are u64 values, as bigints or safe integers from a JavaScript caller.)
    const flags = bigintOf(arg.ptFlags);
    const v1Refused =
      (flags & ~BigInt(MSHV_PT_FLAGS_MASK)) !== 0n ||
      bigintOf(arg.ptIsolation) >= BigInt(MSHV_PT_ISOLATION.COUNT);
    if ((flags & XSAVE_FEATURES_BIT) !== 0n && arg.v2 === undefined && !v1Refused)
      return fail(op, 'EFAULT', 'CPU_AND_XSAVE_FEATURES set but no v2 struct to copy (inventory §c.2)');
    const v2 = arg.v2;
    const { layout, values } = createPartitionFields(arg);
    // Always the v2 size: the bytes past a v1 struct are zero, and nothing the kernel copies is missing.
    const r = this.#ioctl(
      this.fd,
      op,
      MSHV_REQUEST.MSHV_CREATE_PARTITION,
      MshvCreatePartitionV2.size,
      (buf) => {
        (layout as StructLayout).encode(values, viewOf(buf));
        if (v2 !== undefined) {
          putReserved(buf.bytes, UAPI_RESERVED.createPartitionRsvd, v2.rsvd ?? 0n);
          putReserved(buf.bytes, UAPI_RESERVED.createPartitionRsvd1, v2.rsvd1 ?? 0n);
        }
      },
    );
    return this.#handedOut(r);
  }

  initializePartition(partitionFd: Fd): IoctlResult<void> {
    const op = 'MSHV_INITIALIZE_PARTITION';
    const gone = this.#disposed(op);
    if (gone !== null) return gone;
    const r = this.sys.ioctl(partitionFd, MSHV_REQUEST.MSHV_INITIALIZE_PARTITION, null);
    return r.ok ? ok(undefined) : failedIoctl(op, partitionFd, r);
  }

  setGuestMemory(partitionFd: Fd, region: UserMemRegion): IoctlResult<void> {
    const op = 'MSHV_SET_GUEST_MEMORY';
    const gone = this.#disposed(op);
    if (gone !== null) return gone;
    const noStruct = userPointer(op, 'mshv_user_mem_region', region);
    if (noStruct !== null)
      return this.#afterFd(partitionFd, op, MSHV_REQUEST.MSHV_SET_GUEST_MEMORY, noStruct);
    return this.#ioctlVoid(
      partitionFd,
      op,
      MSHV_REQUEST.MSHV_SET_GUEST_MEMORY,
      MshvUserMemRegion.size,
      (buf) => {
        MshvUserMemRegion.encode(region, viewOf(buf));
        putReserved(buf.bytes, UAPI_RESERVED.memRegion, region.rsvd ?? 0n);
      },
    );
  }

  createVp(partitionFd: Fd, vpIndex: number): IoctlResult<Fd> {
    const op = 'MSHV_CREATE_VP';
    const gone = this.#disposed(op);
    if (gone !== null) return gone;
    const r = this.#ioctl(partitionFd, op, MSHV_REQUEST.MSHV_CREATE_VP, MshvCreateVp.size, (buf) => {
      MshvCreateVp.encode({ vpIndex }, viewOf(buf));
    });
    // Inventory §d, observed quirks: when the VP object's allocation fails, the handler still returns
    // the 0 of the previous successful call, with no fd installed. 0 is then not a VP fd, whatever fd 0
    // is (stdin, usually). Edge: in a process whose fd 0 is closed, a VP that was really created gets
    // fd 0 (the lowest free number) and is refused too; it stays open, out of this device's reach
    // (telling the two apart needs fstat of fd 0, which the Syscalls port does not offer). Node keeps
    // fd 0 open.
    if (r.ok && r.value === 0)
      return fail(
        op,
        'ENOMEM',
        `${op} on fd ${partitionFd} returned 0, not a VP fd: the kernel's VP allocation failed after the hypercalls (inventory §d quirk: CREATE_VP can return 0 without creating an fd)`,
      );
    return this.#handedOut(r);
  }

  runVp(vpFd: Fd): IoctlResult<Uint8Array> {
    const op = 'MSHV_RUN_VP';
    const gone = this.#disposed(op);
    if (gone !== null) return gone;
    return this.#withBuffer(MshvRunVp.size, 8, (buf) => {
      const r = this.sys.ioctl(vpFd, MSHV_REQUEST.MSHV_RUN_VP, buf);
      return r.ok ? ok(buf.bytes.slice(0, MshvRunVp.size)) : failedIoctl(op, vpFd, r);
    });
  }

  /** MSHV_GET_VP_STATE; a failure that changed `buf_sz` carries it as `error.bufSz` (VpStateError). */
  getVpState(vpFd: Fd, arg: VpStateArgs): VpStateIoctlResult {
    return this.#vpState(vpFd, arg, false);
  }

  /** MSHV_SET_VP_STATE; a failure that changed `buf_sz` carries it as `error.bufSz` (VpStateError). */
  setVpState(vpFd: Fd, arg: VpStateArgs): VpStateIoctlResult {
    return this.#vpState(vpFd, arg, true);
  }

  irqfd(partitionFd: Fd, arg: UserIrqfd): IoctlResult<void> {
    const op = 'MSHV_IRQFD';
    const gone = this.#disposed(op);
    if (gone !== null) return gone;
    const noStruct = userPointer(op, 'mshv_user_irqfd', arg);
    if (noStruct !== null) return this.#afterFd(partitionFd, op, MSHV_REQUEST.MSHV_IRQFD, noStruct);
    return this.#ioctlVoid(partitionFd, op, MSHV_REQUEST.MSHV_IRQFD, MshvUserIrqfd.size, (buf) => {
      MshvUserIrqfd.encode(irqfdFields(arg), viewOf(buf));
    });
  }

  ioeventfd(partitionFd: Fd, arg: UserIoeventfd): IoctlResult<void> {
    const op = 'MSHV_IOEVENTFD';
    const gone = this.#disposed(op);
    if (gone !== null) return gone;
    const noStruct = userPointer(op, 'mshv_user_ioeventfd', arg);
    if (noStruct !== null) return this.#afterFd(partitionFd, op, MSHV_REQUEST.MSHV_IOEVENTFD, noStruct);
    return this.#ioctlVoid(partitionFd, op, MSHV_REQUEST.MSHV_IOEVENTFD, MshvUserIoeventfd.size, (buf) => {
      MshvUserIoeventfd.encode(ioeventfdFields(arg), viewOf(buf));
      putReserved(buf.bytes, UAPI_RESERVED.ioeventfd, bigintOf(arg.rsvd ?? 0));
    });
  }

  setMsiRouting(partitionFd: Fd, entries: readonly UserIrqEntry[], rsvd = 0): IoctlResult<void> {
    const op = 'MSHV_SET_MSI_ROUTING';
    const gone = this.#disposed(op);
    if (gone !== null) return gone;
    const noTable = userTablePointer(op, 'mshv_user_irq_table', entries);
    if (noTable !== null) return this.#afterFd(partitionFd, op, MSHV_REQUEST.MSHV_SET_MSI_ROUTING, noTable);
    const unfit = reservedFits(op, UAPI_RESERVED.irqTable, bigintOf(rsvd));
    if (unfit !== null) return this.#afterFd(partitionFd, op, MSHV_REQUEST.MSHV_SET_MSI_ROUTING, unfit);
    // The kernel refuses nr > MSHV_MAX_GUEST_IRQS before copying an entry (inventory §c.11): so does
    // the adapter, before it allocates the table.
    if (entries.length > MSHV_MAX_GUEST_IRQS)
      return this.#afterFd(
        partitionFd,
        op,
        MSHV_REQUEST.MSHV_SET_MSI_ROUTING,
        fail(
          op,
          'EINVAL',
          `mshv_user_irq_table.nr: ${entries.length} > MSHV_MAX_GUEST_IRQS (${MSHV_MAX_GUEST_IRQS})`,
        ),
      );
    const size = MshvUserIrqTable.size + entries.length * MshvUserIrqEntry.size;
    return this.#ioctlVoid(partitionFd, op, MSHV_REQUEST.MSHV_SET_MSI_ROUTING, size, (buf) => {
      const view = viewOf(buf);
      MshvUserIrqTable.encode({ nr: entries.length }, view);
      putReserved(buf.bytes, UAPI_RESERVED.irqTable, bigintOf(rsvd));
      for (const [i, e] of entries.entries())
        MshvUserIrqEntry.encode(e, view, MshvUserIrqTable.size + i * MshvUserIrqEntry.size);
    });
  }

  getGpapAccessBitmap(partitionFd: Fd, arg: GpapAccessBitmapArgs): IoctlResult<Uint8Array> {
    const op = 'MSHV_GET_GPAP_ACCESS_BITMAP';
    const gone = this.#disposed(op);
    if (gone !== null) return gone;
    const request = MSHV_REQUEST.MSHV_GET_GPAP_ACCESS_BITMAP;
    const noStruct = userPointer(op, 'mshv_gpap_access_bitmap', arg);
    if (noStruct !== null) return this.#afterFd(partitionFd, op, request, noStruct);
    const unfit = abiFits(op, MshvGpapAccessBitmap, () => ({ ...arg, bitmapPtr: 0n }));
    if (unfit !== null) return this.#afterFd(partitionFd, op, request, unfit);
    // The kernel writes ceil(page_count / 8) bytes at bitmap_ptr: back exactly that, or refuse. It
    // judges access_type, access_op and rsvd before it allocates its page_count-byte state buffer
    // (inventory §d), so a count too large to back is ENOMEM only once those pass.
    if (arg.pageCount > BigInt(GPAP_PAGE_COUNT_MAX))
      return this.#afterFd(
        partitionFd,
        op,
        request,
        arg.accessType >= MSHV_GPAP_ACCESS_TYPE.COUNT
          ? fail(op, 'EINVAL', `access_type ${arg.accessType} >= MSHV_GPAP_ACCESS_TYPE_COUNT`)
          : arg.accessOp >= MSHV_GPAP_ACCESS_OP.COUNT
            ? fail(op, 'EINVAL', `access_op ${arg.accessOp} >= MSHV_GPAP_ACCESS_OP_COUNT`)
            : (arg.rsvd ?? 0n) !== 0n
              ? fail(op, 'EINVAL', `${UAPI_RESERVED.gpapAccessBitmap.field} is not zero`)
              : fail(op, 'ENOMEM', `page_count ${arg.pageCount}: the state buffer cannot be allocated`),
      );
    const bitmapBytes = arg.pageCount > 0n ? Math.ceil(Number(arg.pageCount) / 8) : 0;
    return this.#withBuffer(Math.max(bitmapBytes, 8), 8, (bitmap) =>
      this.#withStruct(partitionFd, op, request, MshvGpapAccessBitmap.size, (buf) => {
        MshvGpapAccessBitmap.encode({ ...arg, bitmapPtr: bitmap.address }, viewOf(buf));
        putReserved(buf.bytes, UAPI_RESERVED.gpapAccessBitmap, arg.rsvd ?? 0n);
        const r = this.sys.ioctl(partitionFd, request, buf);
        return r.ok ? ok(bitmap.bytes.slice(0, bitmapBytes)) : failedIoctl(op, partitionFd, r);
      }),
    );
  }

  rootHvcall(fd: Fd | 'device', arg: RootHvcallArgs): IoctlResult<RootHvcallResult> {
    const op = 'MSHV_ROOT_HVCALL';
    const gone = this.#disposed(op);
    if (gone !== null) return gone;
    const target = fd === 'device' ? this.fd : fd;
    const noStruct = userPointer(op, 'mshv_root_hvcall', arg, ['input']);
    if (noStruct !== null) return this.#afterFd(target, op, MSHV_REQUEST.MSHV_ROOT_HVCALL, noStruct);
    // Every size is checked against its u16 field before anything is allocated: in_sz and out_sz
    // size the two buffers, so an unchecked one would allocate (and zero) what the ABI cannot name.
    const refused =
      abiFits(op, MshvRootHvcall, () => ({
        code: arg.code,
        reps: arg.reps,
        inSz: arg.input.length,
        outSz: arg.outSz,
        status: arg.status ?? 0,
        inPtr: 0n,
        outPtr: 0n,
      })) ?? reservedFits(op, UAPI_RESERVED.rootHvcall, arg.rsvd ?? 0n);
    if (refused !== null) return this.#afterFd(target, op, MSHV_REQUEST.MSHV_ROOT_HVCALL, refused);
    return this.#withBuffer(Math.max(arg.input.length, 8), 8, (input) =>
      this.#withBuffer(Math.max(arg.outSz, 8), 8, (output) =>
        this.#withStruct(target, op, MSHV_REQUEST.MSHV_ROOT_HVCALL, MshvRootHvcall.size, (buf) => {
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
          putReserved(buf.bytes, UAPI_RESERVED.rootHvcall, arg.rsvd ?? 0n);
          const r = this.sys.ioctl(target, MSHV_REQUEST.MSHV_ROOT_HVCALL, buf);
          // The kernel copies status and reps back once the hypercall ran, whether it succeeded or not;
          // an argument it refused first leaves status 0 (the caller's, which must be 0).
          const back = MshvRootHvcall.decode(view);
          if (r.ok)
            return ok({ status: back.status, reps: back.reps, output: output.bytes.slice(0, arg.outSz) });
          if (back.status === 0 || (arg.status ?? 0) !== 0) return failedIoctl(op, target, r);
          return { ok: false, error: hvcallError(r.errno, arg.code, back.status, back.reps) };
        }),
      ),
    );
  }

  /** eventfd(2) with EFD_NONBLOCK | EFD_CLOEXEC; throws on failure, and after `dispose` (EBADF). */
  createEventfd(): Fd {
    if (this.#closed) throw new Error(`eventfd: EBADF: the device (fd ${this.fd}) is disposed`);
    const r = this.sys.eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (!r.ok)
      throw new Error(`eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC): ${errnoName(r.errno) ?? `E${r.errno}`}`);
    this.#fds.add(r.value);
    return r.value;
  }

  /**
   * read(2) of an eventfd's 8-byte count. Only on an fd this device has open: any other number is
   * EBADF with no read(2), since in a process it may be another file's by now (as `close`).
   */
  readEventfd(fd: Fd): IoctlResult<bigint> {
    const refused = this.#disposed('eventfd read') ?? this.#notOwned('eventfd read', fd);
    if (refused !== null) return refused;
    return this.#withBuffer(8, 8, (buf) => {
      const r = this.sys.read(fd, buf, 8);
      if (!r.ok) return { ok: false, error: sysError('eventfd read', r.errno, `read(${fd}, 8)`) };
      if (r.value !== 8) return fail('eventfd read', 'EIO', `read(${fd}, 8) returned ${r.value} bytes`);
      return ok(viewOf(buf).getBigUint64(0, true));
    });
  }

  /**
   * write(2) of the u64 `value` to an eventfd. Only on an fd this device has open: any other number is
   * EBADF with no write(2), which would put 8 bytes into whatever file holds the number now.
   */
  writeEventfd(fd: Fd, value: bigint): IoctlResult<void> {
    const refused = this.#disposed('eventfd write') ?? this.#notOwned('eventfd write', fd);
    if (refused !== null) return refused;
    if (typeof value !== 'bigint' || value < 0n || value > 0xffff_ffff_ffff_ffffn)
      return fail('eventfd write', 'EINVAL', `value ${value} is not a u64`);
    return this.#withBuffer(8, 8, (buf) => {
      viewOf(buf).setBigUint64(0, value, true);
      const r = this.sys.write(fd, buf, 8);
      if (!r.ok) return { ok: false, error: sysError('eventfd write', r.errno, `write(${fd}, 8)`) };
      if (r.value !== 8) return fail('eventfd write', 'EIO', `write(${fd}, 8) returned ${r.value} bytes`);
      return ok(undefined);
    });
  }

  /**
   * mmap(2) of one VP page at page offset `pgoff`. An offset mmap's `off_t` argument cannot carry
   * exactly (a fraction, which libc truncates to the page below, a negative, NaN, or a byte offset
   * past 2^53) is EINVAL naming it, with no system call.
   */
  mmapVp(vpFd: Fd, pgoff: number): IoctlResult<bigint> {
    const gone = this.#disposed('mmap');
    if (gone !== null) return gone;
    if (!Number.isSafeInteger(pgoff) || pgoff < 0 || !Number.isSafeInteger(pgoff * this.sys.pageSize))
      return fail('mmap', 'EINVAL', `page offset ${pgoff}: not a non-negative integer mmap(2) can carry`);
    const r = this.sys.mmap(vpFd, HV_PAGE_SIZE, pgoff);
    if (!r.ok)
      return { ok: false, error: sysError('mmap', r.errno, `mmap of fd ${vpFd} at page offset ${pgoff}`) };
    this.#mappings.add(r.value);
    return ok(r.value);
  }

  readMapped(address: bigint): IoctlResult<Uint8Array> {
    const gone = this.#disposed('mmap');
    if (gone !== null) return gone;
    if (typeof address !== 'bigint' || !this.#mappings.has(address))
      return fail('mmap', 'EFAULT', `${addressText(address)} is not a mapped VP page`);
    return ok(this.sys.peek(address, HV_PAGE_SIZE));
  }

  /**
   * munmap(2) of a VP page `mmapVp` mapped. Any other address (never mapped here, or unmapped
   * already) makes no system call: in a process it belongs to something else by now (the V8 heap, a
   * buffer, libc), so it is answered as the DevicePort contract says, a no-op success, or EINVAL when
   * it is not page aligned.
   */
  munmap(address: bigint): IoctlResult<void> {
    const gone = this.#disposed('munmap');
    if (gone !== null) return gone;
    if (typeof address !== 'bigint')
      return fail('munmap', 'EINVAL', `address ${String(address)}: expected a bigint user address`);
    if (!this.#mappings.has(address)) {
      if (address % BigInt(this.sys.pageSize) !== 0n)
        return fail('munmap', 'EINVAL', `${addressText(address)} is not page aligned (${this.sys.pageSize})`);
      return ok(undefined);
    }
    const r = this.sys.munmap(address, HV_PAGE_SIZE);
    if (!r.ok) return { ok: false, error: sysError('munmap', r.errno, `munmap(${addressText(address)})`) };
    this.#mappings.delete(address);
    return ok(undefined);
  }

  /**
   * close(2) of a partition, VP or event fd this device handed out. Any other number (closed
   * already, or never this device's) is EBADF with no system call: in a process the number may be
   * another file's by now. /dev/mshv itself goes with `dispose`.
   */
  close(fd: Fd): IoctlResult<void> {
    const gone = this.#disposed('close');
    if (gone !== null) return gone;
    const notOwned = this.#notOwned('close', fd);
    if (notOwned !== null) return notOwned;
    const r = this.sys.close(fd);
    // close(2) releases the number even when it reports an error (EINTR, EIO): never close it twice.
    this.#fds.delete(fd);
    return r.ok ? ok(undefined) : { ok: false, error: sysError('close', r.errno, `close(${fd})`) };
  }

  /**
   * True when `fd` is a partition, VP or event fd this device has open (what it may make a system
   * call on): a VpThread asks before it runs a VP on another thread.
   *
   * @example
   * dev.holds(vpFd); // true until dev.close(vpFd)
   */
  holds(fd: Fd): boolean {
    return !this.#closed && this.#fds.has(fd);
  }

  /** Not known on a native fd: the uapi hands out fds, and the partition id stays in the kernel. */
  partitionIdOf(): PartitionId | undefined {
    return undefined;
  }

  /** EBADF once the device is disposed: no call may reach a number that another file may hold now. */
  #disposed(op: string): IoctlResult<never> | null {
    return this.#closed
      ? fail(op, 'EBADF', `the device (fd ${this.fd}) is disposed: no system call made`)
      : null;
  }

  /** EBADF, with no system call, for a number that is not a partition, VP or event fd this device has open. */
  #notOwned(op: string, fd: Fd): IoctlResult<never> | null {
    return this.#fds.has(fd)
      ? null
      : fail(op, 'EBADF', `fd ${String(fd)} is not a partition, VP or event fd this device has open`);
  }

  /**
   * A refusal the kernel would give only once it has judged the fd: a struct argument that is not
   * there (`userPointer`'s EFAULT naming it), or one the adapter will not send (a value wider than its
   * field, a reserved value its slot cannot hold, a size it cannot back: EINVAL or ENOMEM naming it).
   * The ioctl is made with a NULL argument pointer, so the kernel answers in its own order, which this
   * adapter cannot know (the fd table is the kernel's): EBADF for an fd that is not open, ENOTTY for a
   * file whose handler does not take `request`, and only then its copy_from_user's EFAULT, where the
   * refusal stands in for what the kernel would say of the real struct. Every mshv handler that takes
   * a struct copies it before it acts on anything (inventory §a.1, §c), so NULL reaches nothing else.
   */
  #afterFd(fd: Fd, op: string, request: number, refusal: IoctlResult<never>): IoctlResult<never> {
    const r = this.sys.ioctl(fd, request, null);
    return r.ok || r.errno === Errno.EFAULT ? refusal : failedIoctl(op, fd, r);
  }

  /** A new fd from the kernel: this device's to close. */
  #handedOut(r: IoctlResult<number>): IoctlResult<Fd> {
    if (r.ok) this.#fds.add(r.value);
    return r;
  }

  #vpState(vpFd: Fd, arg: VpStateArgs, set: boolean): VpStateIoctlResult {
    const op = set ? 'MSHV_SET_VP_STATE' : 'MSHV_GET_VP_STATE';
    const request = set ? MSHV_REQUEST.MSHV_SET_VP_STATE : MSHV_REQUEST.MSHV_GET_VP_STATE;
    const gone = this.#disposed(op);
    if (gone !== null) return gone;
    const noStruct = userPointer(op, 'mshv_get_set_vp_state', arg);
    if (noStruct !== null) return this.#afterFd(vpFd, op, request, noStruct);
    const unfit =
      abiFits(op, MshvGetSetVpState, () => ({ ...arg, bufPtr: 0n })) ??
      reservedFits(op, UAPI_RESERVED.vpState, bigintOf(arg.rsvd ?? 0));
    const refused =
      unfit ??
      (arg.bufSz > VP_STATE_BUFFER_BYTES_MAX
        ? fail(
            op,
            'EINVAL',
            `buf_sz ${arg.bufSz}: above the ${VP_STATE_BUFFER_BYTES_MAX} bytes the adapter backs`,
          )
        : set && arg.data !== undefined && arg.data.length > arg.bufSz
          ? fail(op, 'EINVAL', `data: ${arg.data.length} bytes do not fit buf_sz ${arg.bufSz}`)
          : null);
    if (refused !== null) return this.#afterFd(vpFd, op, request, refused);
    // buf_ptr must be aligned to the kernel's PAGE_SIZE, and PFN types pin buf_sz / PAGE_SIZE pages
    // (inventory §c.7): the buffer is whole pages of the system page size, not HV_PAGE_SIZE.
    const page = this.sys.pageSize;
    const backed = Math.ceil(Math.max(arg.bufSz, 1) / page) * page;
    return this.#withBuffer(backed, page, (state) =>
      this.#withStruct(vpFd, op, request, MshvGetSetVpState.size, (buf): VpStateIoctlResult => {
        if (set && arg.data !== undefined) state.bytes.set(arg.data);
        const view = viewOf(buf);
        MshvGetSetVpState.encode({ type: arg.type, bufSz: arg.bufSz, bufPtr: state.address }, view);
        putReserved(buf.bytes, UAPI_RESERVED.vpState, bigintOf(arg.rsvd ?? 0));
        const r = this.sys.ioctl(vpFd, request, buf);
        // The kernel writes the size the type needs into buf_sz before its size check (§c.7); a
        // failure before that point leaves the caller's value there.
        const back = MshvGetSetVpState.decode(view).bufSz;
        if (!r.ok) {
          const e = sysError(op, r.errno, `${op} on fd ${vpFd}`);
          if (back === arg.bufSz) return { ok: false, error: e };
          const error: VpStateError = {
            ...e,
            bufSz: back,
            message: `${e.message} (buf_sz written back: ${back})`,
          };
          return { ok: false, error };
        }
        return ok({ bufSz: back, data: set ? new Uint8Array(0) : state.bytes.slice(0, back) });
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
    return this.#withStruct(fd, op, request, size, (buf) => {
      fill(buf);
      const r = this.sys.ioctl(fd, request, buf);
      return r.ok ? ok(r.value) : failedIoctl(op, fd, r);
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

  /**
   * Run `body` with an argument struct's memory for `request` on `fd`; a value the layout cannot
   * encode is EINVAL naming it, with the struct never sent (`#afterFd`: the kernel judges the fd first).
   */
  #withStruct<R extends IoctlResult<unknown>>(
    fd: Fd,
    op: string,
    request: number,
    size: number,
    body: (buf: UserBuffer) => R,
  ): R {
    const r = this.#withBuffer(size, 8, (buf): R | RangeError => {
      try {
        return body(buf);
      } catch (e) {
        if (e instanceof RangeError) return e;
        throw e;
      }
    });
    // The struct's memory is freed before the kernel is asked about the fd.
    return r instanceof RangeError ? (this.#afterFd(fd, op, request, fail(op, 'EINVAL', r.message)) as R) : r;
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

/** A value as a bigint (a number that is not a safe integer becomes -1n, which fits no field). */
function bigintOf(value: number | bigint): bigint {
  return typeof value === 'bigint' ? value : Number.isSafeInteger(value) ? BigInt(value) : -1n;
}

/** Null when `value` fits the reserved slot, else EINVAL naming the field (checked before any allocation). */
function reservedFits(op: string, slot: ReservedSlot, value: bigint): IoctlResult<never> | null {
  try {
    putReserved(new Uint8Array(slot.offset + slot.size), slot, value);
    return null;
  } catch (e) {
    if (e instanceof RangeError) return fail(op, 'EINVAL', e.message);
    throw e;
  }
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
