import type { StructLayout } from '../Layout.js';
import { IOC_DIR, ioc, MSHV_IOCTL } from './ioctl.js';
import type { IocMacro } from './ioctl.js';
import { MshvCreatePartition } from './structs/MshvCreatePartition.js';
import { MshvCreateVp } from './structs/MshvCreateVp.js';
import { MshvGetSetVpState } from './structs/MshvGetSetVpState.js';
import { MshvGpapAccessBitmap } from './structs/MshvGpapAccessBitmap.js';
import { MshvRootHvcall } from './structs/MshvRootHvcall.js';
import { MshvRunVp } from './structs/MshvRunVp.js';
import { MshvUserIoeventfd } from './structs/MshvUserIoeventfd.js';
import { MshvUserIrqTable } from './structs/MshvUserIrqTable.js';
import { MshvUserIrqfd } from './structs/MshvUserIrqfd.js';
import { MshvUserMemRegion } from './structs/MshvUserMemRegion.js';
import {
  MshvSintMask,
  MshvVpRegisters,
  MshvVtlHvcall,
  MshvVtlHvcallSetup,
  MshvVtlRamDisposition,
  MshvVtlSetEventfd,
  MshvVtlSetPollFile,
  MshvVtlSignalEvent,
  MshvVtlSintPostMsg,
} from './structs/MshvVtl.js';

/** The driver that implements an ioctl: the root VMM driver, or the VTL driver sharing its header. */
export type IoctlDriver = 'mshv_root' | 'mshv_vtl';

/**
 * The kind of file descriptor an ioctl is issued on: /dev/mshv, a partition or VP fd (mshv_root);
 * the mshv_vtl device, a VTL fd, the mshv_hvcall or mshv_sint device (mshv_vtl).
 */
export type IoctlFd = 'dev-mshv' | 'partition' | 'vp' | 'vtl-device' | 'vtl' | 'mshv-hvcall' | 'mshv-sint';

/** How each fd kind is shown to a person. */
export const IOCTL_FD_LABEL: Readonly<Record<IoctlFd, string>> = {
  'dev-mshv': '/dev/mshv',
  partition: 'partition fd',
  vp: 'vp fd',
  'vtl-device': 'mshv_vtl device',
  vtl: 'VTL fd',
  'mshv-hvcall': 'mshv_hvcall device',
  'mshv-sint': 'mshv_sint device',
};

/** An ioctl argument: a struct with its layout, or a C scalar type. */
export interface IoctlArg {
  /** C type as written in the header, e.g. `struct mshv_create_vp` or `__u32`. */
  readonly name: string;
  readonly size: number;
  readonly layout?: StructLayout;
}

/** One ioctl on one fd kind. The request number is computed from the macro, nr and argument size. */
export interface IoctlDef<N extends string = string> {
  readonly name: N;
  readonly driver: IoctlDriver;
  readonly fd: IoctlFd;
  readonly macro: IocMacro;
  readonly type: number;
  readonly nr: number;
  /** Undefined for `_IO` (no argument). */
  readonly arg: IoctlArg | undefined;
  readonly request: number;
  /** Set when the entry exists only in the NEW driver. */
  readonly since?: 'NEW';
  readonly note?: string;
}

const struct = (layout: StructLayout): IoctlArg => ({
  name: `struct ${layout.name}`,
  size: layout.size,
  layout,
});

function def<const N extends string>(
  name: N,
  driver: IoctlDriver,
  fd: IoctlFd,
  macro: IocMacro,
  nr: number,
  arg: IoctlArg | undefined,
  extra: { readonly since?: 'NEW'; readonly note?: string } = {},
): IoctlDef<N> {
  const request = ioc(IOC_DIR[macro], MSHV_IOCTL, nr, arg?.size ?? 0);
  return { name, driver, fd, macro, type: MSHV_IOCTL, nr, arg, request, ...extra };
}

/**
 * Every ioctl defined by include/uapi/linux/mshv.h (inventory §a.1, §a.2): the 12 mshv_root ioctls
 * (MSHV_ROOT_HVCALL once per fd kind that accepts it) and the 13 mshv_vtl ones.
 */
export const MSHV_IOCTLS = [
  def('MSHV_CREATE_PARTITION', 'mshv_root', 'dev-mshv', '_IOW', 0x00, struct(MshvCreatePartition), {
    note: 'encodes the v1 size (16) even when the 64-byte v2 struct is passed (pt_flags CPU_AND_XSAVE_FEATURES, NEW)',
  }),
  def('MSHV_INITIALIZE_PARTITION', 'mshv_root', 'partition', '_IO', 0x00, undefined),
  def('MSHV_CREATE_VP', 'mshv_root', 'partition', '_IOW', 0x01, struct(MshvCreateVp)),
  def('MSHV_SET_GUEST_MEMORY', 'mshv_root', 'partition', '_IOW', 0x02, struct(MshvUserMemRegion)),
  def('MSHV_IRQFD', 'mshv_root', 'partition', '_IOW', 0x03, struct(MshvUserIrqfd)),
  def('MSHV_IOEVENTFD', 'mshv_root', 'partition', '_IOW', 0x04, struct(MshvUserIoeventfd)),
  def('MSHV_SET_MSI_ROUTING', 'mshv_root', 'partition', '_IOW', 0x05, struct(MshvUserIrqTable), {
    note: 'size is the 8-byte header; nr × 16-byte mshv_user_irq_entry follow',
  }),
  def('MSHV_GET_GPAP_ACCESS_BITMAP', 'mshv_root', 'partition', '_IOWR', 0x06, struct(MshvGpapAccessBitmap)),
  def('MSHV_ROOT_HVCALL', 'mshv_root', 'partition', '_IOWR', 0x07, struct(MshvRootHvcall)),
  def('MSHV_ROOT_HVCALL', 'mshv_root', 'vp', '_IOWR', 0x07, struct(MshvRootHvcall)),
  def('MSHV_ROOT_HVCALL', 'mshv_root', 'dev-mshv', '_IOWR', 0x07, struct(MshvRootHvcall), {
    since: 'NEW',
    note: 'self-targeted: partition id forced to HV_PARTITION_ID_SELF',
  }),
  def('MSHV_RUN_VP', 'mshv_root', 'vp', '_IOR', 0x00, struct(MshvRunVp)),
  def('MSHV_GET_VP_STATE', 'mshv_root', 'vp', '_IOWR', 0x01, struct(MshvGetSetVpState)),
  def('MSHV_SET_VP_STATE', 'mshv_root', 'vp', '_IOWR', 0x02, struct(MshvGetSetVpState)),
  def('MSHV_CHECK_EXTENSION', 'mshv_vtl', 'vtl-device', '_IOW', 0x00, { name: '__u32', size: 4 }),
  def('MSHV_CREATE_VTL', 'mshv_vtl', 'vtl-device', '_IOR', 0x1d, { name: 'char', size: 1 }),
  def('MSHV_HVCALL_SETUP', 'mshv_vtl', 'mshv-hvcall', '_IOW', 0x1e, struct(MshvVtlHvcallSetup)),
  def('MSHV_HVCALL', 'mshv_vtl', 'mshv-hvcall', '_IOWR', 0x1f, struct(MshvVtlHvcall)),
  def('MSHV_ADD_VTL0_MEMORY', 'mshv_vtl', 'vtl', '_IOW', 0x21, struct(MshvVtlRamDisposition)),
  def('MSHV_SINT_SIGNAL_EVENT', 'mshv_vtl', 'mshv-sint', '_IOW', 0x22, struct(MshvVtlSignalEvent)),
  def('MSHV_SINT_POST_MESSAGE', 'mshv_vtl', 'mshv-sint', '_IOW', 0x23, struct(MshvVtlSintPostMsg)),
  def('MSHV_SINT_SET_EVENTFD', 'mshv_vtl', 'mshv-sint', '_IOW', 0x24, struct(MshvVtlSetEventfd)),
  def('MSHV_SET_POLL_FILE', 'mshv_vtl', 'vtl', '_IOW', 0x25, struct(MshvVtlSetPollFile), {
    note: 'same request number as MSHV_SINT_PAUSE_MESSAGE_STREAM (different fd)',
  }),
  def('MSHV_SINT_PAUSE_MESSAGE_STREAM', 'mshv_vtl', 'mshv-sint', '_IOW', 0x25, struct(MshvSintMask), {
    note: 'same request number as MSHV_SET_POLL_FILE (different fd)',
  }),
  def('MSHV_RETURN_TO_LOWER_VTL', 'mshv_vtl', 'vtl', '_IO', 0x27, undefined),
  def('MSHV_GET_VP_REGISTERS', 'mshv_vtl', 'vtl', '_IOWR', 0x05, struct(MshvVpRegisters)),
  def('MSHV_SET_VP_REGISTERS', 'mshv_vtl', 'vtl', '_IOW', 0x06, struct(MshvVpRegisters)),
] as const;

export type MshvIoctlName = (typeof MSHV_IOCTLS)[number]['name'];

/**
 * Request number by ioctl name (every name has one number; MSHV_ROOT_HVCALL's is shared by its fds).
 *
 * @example
 * MSHV_REQUEST.MSHV_RUN_VP; // 0x8100B800
 */
export const MSHV_REQUEST: Readonly<Record<MshvIoctlName, number>> = Object.fromEntries(
  MSHV_IOCTLS.map((d) => [d.name, d.request]),
) as Record<MshvIoctlName, number>;

const byRequest = new Map<number, IoctlDef[]>();
for (const d of MSHV_IOCTLS) {
  const list = byRequest.get(d.request);
  if (list === undefined) byRequest.set(d.request, [d]);
  else list.push(d);
}

/**
 * Every mshv ioctl (root or VTL, on any fd) whose request number equals `request`; empty when none.
 * More than one entry comes back for MSHV_ROOT_HVCALL (three fd kinds) and for 0x4008B825
 * (MSHV_SET_POLL_FILE and MSHV_SINT_PAUSE_MESSAGE_STREAM): the fd decides which runs.
 *
 * @example
 * lookupIoctl(0xc020b807).map((d) => d.fd); // ['partition', 'vp', 'dev-mshv']
 */
export function lookupIoctl(request: number): readonly IoctlDef<MshvIoctlName>[] {
  return (byRequest.get(request) ?? []) as IoctlDef<MshvIoctlName>[];
}
