import type { SnapshotFrom } from 'xstate';
import type { PartitionMachine, VpMachine } from './Machines.js';
import type { TeardownStep } from '../pipeline/driver/teardown.js';
import type { UserMemRegion } from '../ports/DevicePort.js';
import type { VpCommand } from '../../machines/vp/VpOp.js';

/** A VP run whose thread sleeps in MSHV_RUN_VP: the command and the ticket its outcome settles. */
export interface PendingRun {
  readonly ticket: number;
  readonly cmd: VpCommand;
  /** The operation id its operation record carries. */
  readonly opId: number;
}

/** What the control plane keeps per VP: its fd, its machine snapshot and a sleeping run. */
export interface VpSlot {
  readonly index: number;
  readonly fd: number;
  /** The machine instance name in the log, `vm0/vp3`. */
  readonly name: string;
  snapshot: SnapshotFrom<VpMachine>;
  run: PendingRun | null;
  /** Where the VMM mapped the VP's register page (VmmConfig.mapVpRegisterPages), or null. */
  readonly registerPage: bigint | null;
}

/**
 * What the control plane keeps per partition: its fd, machine snapshot, VPs, the arguments each
 * region was mapped with (an unmap names the region by key), the clock saved by a pause, and the
 * teardown steps the driver performed that the machine has not yet accounted for.
 */
export interface PartitionSlot {
  readonly key: string;
  readonly fd: number;
  snapshot: SnapshotFrom<PartitionMachine>;
  readonly vps: Map<number, VpSlot>;
  readonly regions: Map<string, UserMemRegion>;
  savedClock: bigint | null;
  /** Set once the device closed the partition: the §c.12 steps left to match, in order. */
  teardown: (TeardownStep | { readonly op: 'RELEASE_EVENTFDS' })[] | null;
  /** The partition fd and every VP fd are closed. */
  released: boolean;
  /**
   * Closing every fd did not destroy the partition: something the VMM kept (a VP page mapping)
   * still holds it in the kernel. The machine's teardown steps then have no driver steps to match.
   */
  outlived?: boolean;
  /** eventfds the runtime created for this partition's irqfds and ioeventfds; closed with it. */
  readonly eventfds: Set<number>;
}
