/**
 * The Host API: what an embedded VMM control plane links against (`mshv-control/api`). `Host.open`
 * is the one object constructed directly; partitions, VPs and world control come from it. Every
 * call returns a typed Result whose error is one type, HostError; `vp.run()` returns a Promise.
 *
 * @example
 * import { Host } from 'mshv-control/api';
 * const host = Host.open({ seed: 7 });
 *
 * @packageDocumentation
 */
export { Host, HOST_LOG_CREATED_BY } from './Host.js';
export { DEFAULT_SEED, type HostFault, type HostOptions } from './HostOptions.js';
export { Partition } from './Partition.js';
export { CREATE_ATTEMPTS_MAX } from './retryInterrupted.js';
export type { PartitionFlag, PartitionSpec, InterceptKind } from './PartitionSpec.js';
export { Vp } from './Vp.js';
export { VP_STATE_PARTS, type VpStatePart } from '../../machines/vp/VpStatePart.js';
export { XSAVE_BYTES_MAX } from './stateBytesError.js';
export { GuestControl, GUEST_EXITS_MAX } from './GuestControl.js';
export type { Region } from './Region.js';
export type { MapMemorySpec } from './regionOf.js';
export type { Irqfd, Ioeventfd } from './Eventfds.js';
export type { MsiRoute } from './MsiRoute.js';
export type { PartitionSnapshot } from './PartitionSnapshot.js';
export { DirtyBitmap } from './DirtyBitmap.js';
export type { HostStats } from './HostStats.js';
export { type HostError, type HostErrorSource } from './HostError.js';
export { type Result } from './Result.js';
export { RULE_TEXT, ruleText, type OtherRule } from './ruleText.js';
export { PRODUCT_VERSION } from './productVersion.js';
export type { VpExit, VpExitHeader, VpExitKind } from '../runtime/VpExit.js';
export { decodeVpExit } from '../runtime/decodeVpExit.js';
export type { GuestExit, HostMemoryDecl, Scheduler } from '../scenario/Scenario.js';
export type { RecordSink } from '../runtime/RecordSink.js';
export type { Machines } from '../runtime/Machines.js';
export { MemorySink } from '../runtime/RecordSink.js';
