/**
 * The native adapter: the DevicePort on a real /dev/mshv, through libc's open, ioctl and eventfd
 * (koffi, prebuilt), with the uapi structs encoded by the same layouts the driver model decodes.
 */
export { MSHV_DEVICE_PATH, NativeDevice, VP_STATE_BUFFER_BYTES_MAX } from './NativeDevice.js';
export { libcSyscalls } from './libcSyscalls.js';
export { MODEL_DEV_FD, ModelKernel, type ModelKernelOptions } from './ModelKernel.js';
export type { VpStateError, VpStateIoctlResult } from './VpStateError.js';
export { type ProbeStep, probeDevice } from './probeDevice.js';
export { VpThread, type VpThreadOptions } from './VpThread.js';
export { kickSignal } from './kickSignal.js';
export {
  EFD_CLOEXEC,
  EFD_NONBLOCK,
  O_CLOEXEC,
  O_RDWR,
  type SysResult,
  type Syscalls,
  type UserBuffer,
} from './Syscalls.js';
