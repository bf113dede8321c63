/**
 * `mshv-control/hv`: the ABI of the mshv_root driver and of the hypercalls it issues, as pure data
 * (inventory §a and §b). No I/O and no Node APIs: safe to import anywhere.
 *
 * - Hypercall codes and their inverse, the HV_STATUS table with the kernel's errno mapping, the
 *   control-word and status-word codecs (bigint).
 * - One definition per hypercall (`HYPERCALL_DEFS`, `MapGpaPages`, …): input and output layouts,
 *   encoders and decoders over a 4 KiB page, traits (`traitsOf`) and batch bounds.
 * - The uapi of /dev/mshv: every ioctl with its request number computed from `_IOC`, the struct
 *   layouts, flag enums and masks.
 *
 * @example
 * import { decodeControl, hypercallName } from 'mshv-control/hv';
 * const c = decodeControl(0x00fd01fd0000004bn);
 * hypercallName(c.code); // 'MAP_GPA_PAGES'
 * c.repCount; // 509
 *
 * @packageDocumentation
 */
export * from './BitField.js';
export * from './ControlWord.js';
export * from './Errno.js';
export * from './HvStatus.js';
export * from './Hypercall.js';
export * from './HypercallCode.js';
export * from './Layout.js';
export * from './Page.js';
export * from './StatusWord.js';
export * from './ids.js';
export * from './KernelConstants.js';
export * from './flags/HvDispatchVp.js';
export * from './flags/HvMapGpaFlag.js';
export * from './flags/HvMessageType.js';
export * from './flags/HvPartitionCreationFlag.js';
export * from './flags/HvPartitionProperty.js';
export * from './flags/HvPortType.js';
export * from './flags/HvRegisterName.js';
export * from './flags/HvStats.js';
export * from './flags/HvVpState.js';
export * from './flags/PassthroughAllowList.js';
export * from './flags/VpRunFlags.js';
export * from './hypercalls/index.js';
export * from './uapi/ForeignIoctl.js';
export * from './uapi/MshvIoctl.js';
export * from './uapi/flags.js';
export * from './uapi/ioctl.js';
export * from './uapi/structs/MshvCreatePartition.js';
export * from './uapi/structs/MshvCreateVp.js';
export * from './uapi/structs/MshvGetSetVpState.js';
export * from './uapi/structs/MshvGpapAccessBitmap.js';
export * from './uapi/structs/MshvRootHvcall.js';
export * from './uapi/structs/MshvRunVp.js';
export * from './uapi/structs/MshvUserIoeventfd.js';
export * from './uapi/structs/MshvUserIrqTable.js';
export * from './uapi/structs/MshvUserIrqfd.js';
export * from './uapi/structs/MshvUserMemRegion.js';
export * from './uapi/structs/MshvVtl.js';
export * from './uapi/structs/s32.js';
export * from './uapi/structs/uapiStructs.js';
