import type { PartitionRule } from '../../machines/partition/partitionGuards.js';
import type { VpRule } from '../../machines/vp/vpGuards.js';

/** Rules the machines' catch-alls and the control plane answer with, beyond the named guards. */
export type OtherRule =
  | 'resultMatchesInflight'
  | 'knownRequest'
  | 'partitionOpen'
  | 'noSequenceInProgress'
  | 'configurationAfterInitialize'
  | 'requestLegalInPhase'
  | 'partitionKeyFree'
  | 'partitionExists'
  | 'eventfdExists'
  | 'vpExists'
  | 'vpOpen'
  | 'vpNotRunning'
  | 'requestLegalInState'
  | 'vpNotParked'
  | 'vpReleasedWithPartition';

/**
 * One line per refusal rule: what it demands and where the rule comes from. A refusal's message is
 * built from it, so a caller reads why without opening the machine.
 */
export const RULE_TEXT: Readonly<Record<PartitionRule | VpRule | OtherRule, string>> = {
  noOperationInFlight: 'one partition operation at a time (pt_mutex, inventory §d); refused, not queued',
  earlyPropertyOnlyBeforeInitialize:
    'early properties only before INITIALIZE_PARTITION (vmm-lifecycle-rules 1)',
  postInitPropertyOnlyAfterInitialize: 'post-init properties only after INITIALIZE_PARTITION (rule 1)',
  postInitPropertyBeforeConfiguration: 'post-init properties before VPs, memory or intercepts (rule 1)',
  propertyNotManaged:
    'TIME_FREEZE, REFERENCE_TIME and GPA_PAGE_ACCESS_TRACKING have their own calls (rules 2, 3, 7)',
  vpIndexBelowMax: 'VP index below MSHV_MAX_VPS = 256 (rule 10, inventory §c.5)',
  vpSlotFree: 'each VP index is created once (inventory §c.5)',
  regionNotMapped: 'a region is mapped once (inventory §c.4: GFN overlap)',
  regionMapped: 'only a mapped region is unmapped (inventory §c.4)',
  ioeventfdNotPio: 'PIO ioeventfds are unsupported (rule 10, inventory §c.11)',
  ioeventfdAssigned: 'a deassign needs an assigned ioeventfd (inventory §c.11)',
  referenceTimeOnlyWhileFrozen: 'the reference time is written only while time is frozen (rule 2)',
  noDeviceIoWhilePaused:
    'no device I/O (an irqfd signal or assign) from pause until resume: devices are quiesced (rule 11)',
  timeFreezeOnlyWithVpsParked: 'time is frozen only with the VPs parked: pause first (rule 3)',
  timeThawedBeforeVpsRun: 'VPs start only with time thawed (rule 3)',
  restoredClockWrittenBeforeStart:
    "a partition restored from a snapshot starts only after the snapshot's clock is written: freezeTime, setReferenceTime, thawTime (rules 3, 8)",
  snapshotOnlyWhileQuiesced: 'a snapshot only while paused: VPs parked and devices quiesced (rule 11)',
  dirtyTrackingEnabled: 'dirty pages are read or marked only while tracking is enabled (rule 7)',
  dirtyReadWithinBitmapMax: 'one read-and-clear pass covers 1 to 65,536 pages (rule 7)',
  allPagesMarkedDirtyBeforeDisable:
    'mark every page dirty after the last read and map, then disable (rule 7)',
  resultMatchesInflight: 'a result must answer the operation in flight',
  knownRequest:
    'the machine does not know this request: its type, or a flag of the wrong type (IRQFD and IOEVENTFD take a boolean assign, IOEVENTFD a boolean pio)',
  partitionOpen: 'the partition is closing or closed (its fd is released)',
  noSequenceInProgress: 'a pause or resume is in progress: retry it or close',
  configurationAfterInitialize: 'configure the partition after INITIALIZE_PARTITION (inventory §c.3)',
  requestLegalInPhase: 'not a request this lifecycle phase takes (rule 1)',
  partitionKeyFree: 'partition names are unique within a host',
  partitionExists: 'no partition by that name',
  eventfdExists: 'no open eventfd the control plane made by that fd',
  vpExists: 'no VP by that index',
  noVpOperationInFlight: 'one VP operation at a time (vp_mutex, inventory §d); refused, not queued',
  partitionAcceptsRun: 'a VP runs only while its partition runs (not before start, paused or closing)',
  portIoRipAdvanced: 'after a port-I/O exit the VMM advances RIP before running again (rule 9)',
  vpStateRestoreInOrder: 'a restore writes VP state in the order of rule 8',
  miscRegistersOnlyOnVp0: 'misc registers are restored through VP 0 only (rule 8)',
  vpOpen: 'the VP is deleted (its fd is released)',
  vpNotRunning: 'the VP is in MSHV_RUN_VP (vp_mutex held); refused, not queued',
  requestLegalInState: 'not a request this VP state takes',
  vpNotParked: 'the VP is parked: unpark or resume first',
  vpReleasedWithPartition:
    'a VP is released with its partition (inventory §c.12: no DELETE_VP): close the partition',
};

/**
 * The text of a rule, or the rule's name for one the table does not know.
 *
 * @example
 * ruleText('snapshotOnlyWhileQuiesced'); // 'a snapshot only while paused: …'
 */
export function ruleText(rule: string): string {
  return Object.hasOwn(RULE_TEXT, rule) ? ((RULE_TEXT as Record<string, string>)[rule] ?? rule) : rule;
}
