import { partitionMachine } from '../../machines/partition/partitionMachine.js';
import { vpMachine } from '../../machines/vp/vpMachine.js';

/** The partition machine's type, or a variant of it made with `provide` (same events and context). */
export type PartitionMachine = typeof partitionMachine;
/** The VP machine's type, or a `provide` variant. */
export type VpMachine = typeof vpMachine;

/**
 * The machine definitions a runtime steps. The shipped ones by default; a test or the model checker
 * passes variants made with `provide({ guards })` to plant a broken rule, never a switch in the code.
 */
export interface Machines {
  readonly partition: PartitionMachine;
  readonly vp: VpMachine;
}

/** The shipped definitions. */
export const SHIPPED_MACHINES: Machines = { partition: partitionMachine, vp: vpMachine };
