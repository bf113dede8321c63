import type { OpArgs } from '../../machines/MachineEmitted.js';
import type { PartitionCommand } from '../../machines/partition/PartitionOp.js';
import { HV_PARTITION_PROPERTY_TIME, partitionPropertyCode } from '../hv/flags/HvPartitionProperty.js';
import { HypercallCode } from '../hv/HypercallCode.js';
import { GetPartitionPropertyInput } from '../hv/hypercalls/GetPartitionProperty.js';
import { SetPartitionPropertyInput } from '../hv/hypercalls/SetPartitionProperty.js';
import { Layout, u32, u64 } from '../hv/Layout.js';
import { HV_PAGE_SIZE } from '../hv/Page.js';
import {
  MSHV_GPAP_ACCESS_OP,
  MSHV_GPAP_ACCESS_TYPE,
  MSHV_IOEVENTFD_BIT,
  MSHV_IRQFD_BIT,
  MSHV_SET_MEM_BIT,
} from '../hv/uapi/flags.js';
import type { JsonValue } from '../log/JsonValue.js';
import { bytesToHex } from '../log/hexBytes.js';
import { type IoctlResult, fail, ok } from '../pipeline/driver/IoctlResult.js';
import type { DevicePort, UserIrqEntry, UserMemRegion } from '../ports/DevicePort.js';
import { fdArg, hex64, intArg, u64Arg } from './opArgs.js';
import { passthrough } from './passthrough.js';
import type { PartitionSlot } from './Slots.js';
import { describeArg } from '../scenario/describeArg.js';

/** What partition operations need of the control plane beyond the device: its VPs and teardown. */
export interface PartitionOpHost {
  readonly device: DevicePort;
  /** MSHV_CREATE_VP succeeded: give the VP a slot and a machine. */
  addVp(slot: PartitionSlot, index: number, fd: number): void;
  /** Park (or unpark) the VP threads: PARK/UNPARK each VP machine and wait for the kicks to land. */
  parkVps(slot: PartitionSlot, park: boolean): IoctlResult<JsonValue>;
  /** Read every VP's state for a snapshot. */
  snapshotVps(slot: PartitionSlot): IoctlResult<JsonValue>;
  /** One §c.12 step: the first closes the fds (the driver tears down), each checks its place. */
  teardownStep(slot: PartitionSlot, cmd: PartitionCommand): IoctlResult<JsonValue>;
}

/** Pages one MSHV_GET_GPAP_ACCESS_BITMAP covers at most (vmm-lifecycle-rules 7). */
export const GPAP_BITMAP_PAGES_MAX = 65_536;

/**
 * hv_input_install_intercept (24 bytes): partition_id u64 @0, access_type u32 @8 (READ 1, WRITE 2,
 * EXECUTE 4), intercept_type u32 @12, intercept_parameter u64 @16. Passthrough only.
 */
const InstallInterceptInput = new Layout('hv_input_install_intercept', 24, [
  u64('partitionId', 0),
  u32('accessType', 8),
  u32('interceptType', 12),
  u64('parameter', 16),
] as const);

/** hv_intercept_type values (hvhdk.h) of the intercepts a VMM installs. */
export const HV_INTERCEPT_TYPE = {
  X64_IO_PORT: 0x0,
  X64_MSR: 0x1,
  X64_CPUID: 0x2,
  X64_EXCEPTION: 0x3,
  MMIO: 0x5,
} as const;

const bit = (b: number): number => 1 << b;

/**
 * Perform one operation the partition machine emitted (machines/partition/PartitionOp.ts) on the
 * device: each MSHV_* op is its ioctl, property and intercept ops go through MSHV_ROOT_HVCALL on the
 * partition fd, VMM-level steps (park, quiesce) act on the VP machines or the VMM's own state, and
 * §c.12 steps are matched against the driver's teardown. The value is JSON-safe (u64 as `0x`
 * strings, bytes as hex).
 *
 * @example
 * executePartitionOp(host, slot, { type: 'op', op: 'MSHV_INITIALIZE_PARTITION', args: {} });
 */
export function executePartitionOp(
  host: PartitionOpHost,
  slot: PartitionSlot,
  cmd: PartitionCommand,
): IoctlResult<JsonValue> {
  const dev = host.device;
  const { op, args } = cmd;
  switch (op) {
    case 'MSHV_INITIALIZE_PARTITION':
      return unit(dev.initializePartition(slot.fd));
    case 'SET_PARTITION_PROPERTY':
      return setProperty(dev, slot, args);
    case 'GET_PARTITION_PROPERTY':
      return getProperty(dev, slot, args);
    case 'MSHV_CREATE_VP': {
      const vp = intArg(op, args, 'vp', 0xffff_ffff);
      if (!vp.ok) return vp;
      const r = dev.createVp(slot.fd, vp.value);
      if (!r.ok) return r;
      host.addVp(slot, vp.value, r.value);
      return ok(r.value);
    }
    case 'MSHV_SET_GUEST_MEMORY':
      return args.unmap === true ? unmapRegion(dev, slot, args) : mapRegion(dev, slot, args);
    case 'INSTALL_INTERCEPT':
      return installIntercept(dev, slot, args);
    case 'MSHV_IOEVENTFD':
      return ioeventfd(dev, slot, args);
    case 'MSHV_IRQFD':
      return irqfd(dev, slot, args);
    case 'MSHV_SET_MSI_ROUTING':
      return msiRouting(dev, slot, args);
    case 'MSHV_GET_GPAP_ACCESS_BITMAP':
      return args.mode === 'markAllDirty' ? markAllDirty(dev, slot) : readDirty(dev, slot, args);
    case 'SNAPSHOT':
      return snapshot(host, slot);
    case 'PARK_VPS':
      return host.parkVps(slot, true);
    case 'UNPARK_VPS':
      return host.parkVps(slot, false);
    // The simulated world's only devices are eventfds, which the driver owns; a VMM stops and
    // restarts its own device threads here. Nothing reaches /dev/mshv.
    case 'QUIESCE_DEVICES':
    case 'RESUME_DEVICES':
      return ok(null);
    case 'RELEASE_EVENTFDS':
    case 'SUSPEND_VP':
    case 'RELEASE_VP':
    case 'FINALIZE_PARTITION':
    case 'UNLIST_PARTITION':
    case 'RELEASE_REGION':
    case 'WITHDRAW_MEMORY':
    case 'DELETE_PARTITION':
      return host.teardownStep(slot, cmd);
  }
}

function unit(r: IoctlResult<unknown>): IoctlResult<JsonValue> {
  return r.ok ? ok(null) : r;
}

function propertyCodeOf(op: string, args: OpArgs): IoctlResult<number> {
  const name = args.property;
  const code = typeof name === 'string' ? partitionPropertyCode(name) : undefined;
  if (code === undefined)
    return fail(
      op,
      'EINVAL',
      `args.property: ${describeArg(name)} is not a known HV_PARTITION_PROPERTY name`,
    );
  return ok(code);
}

/**
 * SET_PARTITION_PROPERTY through the passthrough (async: the driver waits for CALL_PENDING's
 * completion). REFERENCE_TIME written while paused replaces the clock the pause saved.
 */
function setProperty(dev: DevicePort, slot: PartitionSlot, args: OpArgs): IoctlResult<JsonValue> {
  const op = 'SET_PARTITION_PROPERTY';
  const code = propertyCodeOf(op, args);
  if (!code.ok) return code;
  let value: bigint;
  if (args.value === 'savedClock') {
    if (slot.savedClock === null) return fail(op, 'EINVAL', 'args.value: savedClock, but no clock was saved');
    value = slot.savedClock;
  } else {
    const v = u64Arg(op, args, 'value');
    if (!v.ok) return v;
    value = v.value;
  }
  const r = passthrough(
    dev,
    slot.fd,
    HypercallCode.SET_PARTITION_PROPERTY,
    SetPartitionPropertyInput,
    {
      propertyCode: code.value,
      propertyValue: value,
    },
    0,
  );
  if (!r.ok) return r;
  // A clock written while paused (a restore in place) is the one the resume writes back (rule 3).
  if (args.property === 'REFERENCE_TIME' && slot.snapshot.context.phase === 'paused') slot.savedClock = value;
  return ok(hex64(value));
}

/** GET_PARTITION_PROPERTY through the passthrough; the reference time a pause reads is saved. */
function getProperty(dev: DevicePort, slot: PartitionSlot, args: OpArgs): IoctlResult<JsonValue> {
  const op = 'GET_PARTITION_PROPERTY';
  const code = propertyCodeOf(op, args);
  if (!code.ok) return code;
  const r = readProperty(dev, slot, code.value);
  if (!r.ok) return r;
  if (args.property === 'REFERENCE_TIME') slot.savedClock = r.value;
  return ok(hex64(r.value));
}

function readProperty(dev: DevicePort, slot: PartitionSlot, code: number): IoctlResult<bigint> {
  const r = passthrough(
    dev,
    slot.fd,
    HypercallCode.GET_PARTITION_PROPERTY,
    GetPartitionPropertyInput,
    { propertyCode: code },
    8,
  );
  return r.ok ? ok(new DataView(r.value.buffer, r.value.byteOffset, 8).getBigUint64(0, true)) : r;
}

/**
 * SNAPSHOT (rules 3, 8, 11): `{ referenceTime, vps }`, the guest clock the pause saved, the one a
 * resume (or a restore into a new partition) writes back, and every VP's state parts. A snapshot
 * before the first START has no pause behind it: its clock is the reference time read now.
 */
function snapshot(host: PartitionOpHost, slot: PartitionSlot): IoctlResult<JsonValue> {
  let clock = slot.savedClock;
  if (clock === null) {
    const read = readProperty(host.device, slot, HV_PARTITION_PROPERTY_TIME.REFERENCE_TIME);
    if (!read.ok) return read;
    clock = read.value;
  }
  const vps = host.snapshotVps(slot);
  return vps.ok ? ok({ referenceTime: hex64(clock), vps: vps.value }) : vps;
}

function mapRegion(dev: DevicePort, slot: PartitionSlot, args: OpArgs): IoctlResult<JsonValue> {
  const op = 'MSHV_SET_GUEST_MEMORY';
  const guestPfn = u64Arg(op, args, 'guestPfn');
  if (!guestPfn.ok) return guestPfn;
  const size = u64Arg(op, args, 'size');
  if (!size.ok) return size;
  const userAddr = u64Arg(op, args, 'userAddr');
  if (!userAddr.ok) return userAddr;
  const flags = intArg(
    op,
    args,
    'flags',
    0xff,
    bit(MSHV_SET_MEM_BIT.WRITABLE) | bit(MSHV_SET_MEM_BIT.EXECUTABLE),
  );
  if (!flags.ok) return flags;
  const region: UserMemRegion = {
    size: size.value,
    guestPfn: guestPfn.value,
    userspaceAddr: userAddr.value,
    flags: flags.value,
  };
  const r = dev.setGuestMemory(slot.fd, region);
  if (!r.ok) return r;
  if (args.markDirty === true) {
    // Rule 7: mapped while tracking is on, the region is reported dirty on its first read. A mark
    // that fails undoes the map, so the failed operation leaves nothing mapped behind. The unmap of
    // the exact region just mapped cannot fail (§c.4: the kernel ignores UNMAP_GPA_PAGES failures).
    const marked = markRegionDirty(dev, slot, region);
    if (!marked.ok) {
      const undone = dev.setGuestMemory(slot.fd, { ...region, flags: bit(MSHV_SET_MEM_BIT.UNMAP) });
      if (!undone.ok)
        throw new Error(
          `${op}: the region mapped at guest_pfn ${hex64(region.guestPfn)} could not be unmapped again: ${undone.error.message}`,
        );
      return marked;
    }
  }
  slot.regions.set(String(args.region), region);
  return ok(null);
}

/** Unmap with the exact arguments the region was mapped with (§c.4: start, size and address must match). */
function unmapRegion(dev: DevicePort, slot: PartitionSlot, args: OpArgs): IoctlResult<JsonValue> {
  const op = 'MSHV_SET_GUEST_MEMORY';
  const key = String(args.region);
  const region = slot.regions.get(key);
  if (region === undefined) return fail(op, 'ENOENT', `region '${key}' was never mapped by this runtime`);
  const r = dev.setGuestMemory(slot.fd, { ...region, flags: bit(MSHV_SET_MEM_BIT.UNMAP) });
  if (!r.ok) return r;
  slot.regions.delete(key);
  return ok(null);
}

const INTERCEPT_KINDS: Readonly<Record<string, number>> = HV_INTERCEPT_TYPE;

function installIntercept(dev: DevicePort, slot: PartitionSlot, args: OpArgs): IoctlResult<JsonValue> {
  const op = 'INSTALL_INTERCEPT';
  const kind = typeof args.kind === 'string' ? INTERCEPT_KINDS[args.kind] : undefined;
  if (kind === undefined)
    return fail(
      op,
      'EINVAL',
      `args.kind: ${describeArg(args.kind)} is not one of ${Object.keys(INTERCEPT_KINDS).join(', ')}`,
    );
  const access = intArg(op, args, 'access', 0x7, 0x3);
  if (!access.ok) return access;
  const parameter = u64Arg(op, args, 'parameter', 0n);
  if (!parameter.ok) return parameter;
  return unit(
    passthrough(
      dev,
      slot.fd,
      HypercallCode.INSTALL_INTERCEPT,
      InstallInterceptInput,
      {
        accessType: access.value,
        interceptType: kind,
        parameter: parameter.value,
      },
      0,
    ),
  );
}

/**
 * An assign without `args.fd` gets an eventfd the runtime creates (and closes again when the ioctl
 * fails); a deassign with `args.release` closes the fd once it is deassigned. The value of a created
 * assign is `{ fd }` (and `resamplefd` for an irqfd), else null.
 */
function withEventfds(
  dev: DevicePort,
  slot: PartitionSlot,
  args: OpArgs,
  names: readonly string[],
  issue: (fds: Readonly<Record<string, number>>) => IoctlResult<unknown>,
): IoctlResult<JsonValue> {
  const created = args.assign !== false && args.fd === undefined;
  const fds: Record<string, number> = {};
  if (created) for (const name of names) fds[name] = dev.createEventfd();
  const r = issue(fds);
  if (!r.ok) {
    for (const fd of Object.values(fds)) dev.close(fd);
    return r;
  }
  for (const fd of Object.values(fds)) slot.eventfds.add(fd);
  if (args.assign === false && args.release === true)
    for (const name of ['fd', 'resamplefd'] as const) {
      const fd = args[name];
      if (typeof fd === 'number' && slot.eventfds.delete(fd)) dev.close(fd);
    }
  return ok(created ? fds : null);
}

function ioeventfd(dev: DevicePort, slot: PartitionSlot, args: OpArgs): IoctlResult<JsonValue> {
  const op = 'MSHV_IOEVENTFD';
  return withEventfds(dev, slot, args, ['fd'], (created) => {
    const fd = created.fd === undefined ? fdArg(op, args, 'fd') : ok(created.fd);
    if (!fd.ok) return fd;
    const addr = u64Arg(op, args, 'addr');
    if (!addr.ok) return addr;
    const len = intArg(op, args, 'len', 0xffff_ffff);
    if (!len.ok) return len;
    const datamatch = u64Arg(op, args, 'datamatch', 0n);
    if (!datamatch.ok) return datamatch;
    const flags =
      (args.datamatch === undefined ? 0 : bit(MSHV_IOEVENTFD_BIT.DATAMATCH)) |
      (args.pio === true ? bit(MSHV_IOEVENTFD_BIT.PIO) : 0) |
      (args.assign === false ? bit(MSHV_IOEVENTFD_BIT.DEASSIGN) : 0);
    return dev.ioeventfd(slot.fd, {
      datamatch: datamatch.value,
      addr: addr.value,
      len: len.value,
      fd: fd.value,
      flags,
    });
  });
}

function irqfd(dev: DevicePort, slot: PartitionSlot, args: OpArgs): IoctlResult<JsonValue> {
  const op = 'MSHV_IRQFD';
  const names = args.resample === true ? ['fd', 'resamplefd'] : ['fd'];
  return withEventfds(dev, slot, args, names, (created) => {
    const fd = created.fd === undefined ? fdArg(op, args, 'fd') : ok(created.fd);
    if (!fd.ok) return fd;
    const gsi = intArg(op, args, 'gsi', 0xffff_ffff);
    if (!gsi.ok) return gsi;
    const resamplefd =
      created.resamplefd === undefined ? fdArg(op, args, 'resamplefd', 0) : ok(created.resamplefd);
    if (!resamplefd.ok) return resamplefd;
    const resample = args.resamplefd !== undefined || created.resamplefd !== undefined;
    const flags =
      (args.assign === false ? bit(MSHV_IRQFD_BIT.DEASSIGN) : 0) |
      (resample ? bit(MSHV_IRQFD_BIT.RESAMPLE) : 0);
    return dev.irqfd(slot.fd, { fd: fd.value, resamplefd: resamplefd.value, gsi: gsi.value, flags });
  });
}

/** The table travels flat in `args.table`: gsi, address_lo, address_hi, data per entry. */
function msiRouting(dev: DevicePort, slot: PartitionSlot, args: OpArgs): IoctlResult<JsonValue> {
  const op = 'MSHV_SET_MSI_ROUTING';
  const flat = args.table ?? [];
  if (!Array.isArray(flat) || flat.length % 4 !== 0 || !flat.every((x) => typeof x === 'number'))
    return fail(
      op,
      'EINVAL',
      'args.table: expected numbers, four per entry (gsi, addressLo, addressHi, data)',
    );
  const nums = flat as readonly number[];
  const entries: UserIrqEntry[] = [];
  for (let i = 0; i < nums.length; i += 4)
    entries.push({
      gsi: nums[i] ?? 0,
      addressLo: nums[i + 1] ?? 0,
      addressHi: nums[i + 2] ?? 0,
      data: nums[i + 3] ?? 0,
    });
  return unit(dev.setMsiRouting(slot.fd, entries));
}

/** One read-and-clear pass of the dirty bits (rule 7): DIRTY + CLEAR over `pages` from `base`. */
function readDirty(dev: DevicePort, slot: PartitionSlot, args: OpArgs): IoctlResult<JsonValue> {
  const op = 'MSHV_GET_GPAP_ACCESS_BITMAP';
  const base = u64Arg(op, args, 'base', 0n);
  if (!base.ok) return base;
  const pages = intArg(op, args, 'pages', GPAP_BITMAP_PAGES_MAX);
  if (!pages.ok) return pages;
  const r = dev.getGpapAccessBitmap(slot.fd, {
    accessType: MSHV_GPAP_ACCESS_TYPE.DIRTY,
    accessOp: MSHV_GPAP_ACCESS_OP.CLEAR,
    pageCount: BigInt(pages.value),
    gpapBase: base.value,
  });
  return r.ok ? ok(bytesToHex(r.value)) : r;
}

/** Before disabling tracking, mark every page of every region dirty again (rule 7), 65,536 pages a call. */
function markAllDirty(dev: DevicePort, slot: PartitionSlot): IoctlResult<JsonValue> {
  let calls = 0;
  for (const region of slot.regions.values()) {
    const r = markRegionDirty(dev, slot, region);
    if (!r.ok) return r;
    calls += r.value;
  }
  return ok(calls);
}

/** Mark every page of one region dirty (DIRTY + SET), 65,536 pages a call; the number of calls. */
function markRegionDirty(dev: DevicePort, slot: PartitionSlot, region: UserMemRegion): IoctlResult<number> {
  const pages = region.size / BigInt(HV_PAGE_SIZE);
  let calls = 0;
  for (let done = 0n; done < pages; done += BigInt(GPAP_BITMAP_PAGES_MAX)) {
    const count = pages - done < BigInt(GPAP_BITMAP_PAGES_MAX) ? pages - done : BigInt(GPAP_BITMAP_PAGES_MAX);
    const r = dev.getGpapAccessBitmap(slot.fd, {
      accessType: MSHV_GPAP_ACCESS_TYPE.DIRTY,
      accessOp: MSHV_GPAP_ACCESS_OP.SET,
      pageCount: count,
      gpapBase: region.guestPfn + done,
    });
    if (!r.ok) return r;
    calls += 1;
  }
  return ok(calls);
}
