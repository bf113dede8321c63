import type {
  GpapAccessBitmapArgs,
  RootHvcallArgs,
  RootHvcallResult,
  UserIoeventfd,
  UserIrqEntry,
  UserIrqfd,
} from '../../ports/DevicePort.js';
import type { DriverEnv } from './DriverEnv.js';
import { type IoctlResult, fail } from './IoctlResult.js';
import type { KernelPartition, KernelVp } from './KernelPartition.js';

/** Placeholders until the eventfd, routing, bitmap and passthrough routines land (each gets its own file). */
export function irqfd(
  _env: DriverEnv,
  _pt: KernelPartition,
  _arg: UserIrqfd,
  _eventfds: ReadonlySet<number>,
): IoctlResult<void> {
  return fail('MSHV_IRQFD', 'EOPNOTSUPP', 'not modelled yet');
}
export function ioeventfd(
  _env: DriverEnv,
  _pt: KernelPartition,
  _arg: UserIoeventfd,
  _eventfds: ReadonlySet<number>,
): IoctlResult<void> {
  return fail('MSHV_IOEVENTFD', 'EOPNOTSUPP', 'not modelled yet');
}
export function setMsiRouting(
  _env: DriverEnv,
  _pt: KernelPartition,
  _entries: readonly UserIrqEntry[],
  _rsvd: number,
): IoctlResult<void> {
  return fail('MSHV_SET_MSI_ROUTING', 'EOPNOTSUPP', 'not modelled yet');
}
export function getGpapAccessBitmap(
  _env: DriverEnv,
  _pt: KernelPartition,
  _arg: GpapAccessBitmapArgs,
): IoctlResult<Uint8Array> {
  return fail('MSHV_GET_GPAP_ACCESS_BITMAP', 'EOPNOTSUPP', 'not modelled yet');
}
export function rootHvcall(
  _env: DriverEnv,
  _pt: KernelPartition | undefined,
  _vp: KernelVp | undefined,
  _arg: RootHvcallArgs,
): IoctlResult<RootHvcallResult> {
  return fail('MSHV_ROOT_HVCALL', 'EOPNOTSUPP', 'not modelled yet');
}
