import { type VpStatePart, restoreRank } from '../../machines/vp/VpStatePart.js';
import { HV_X64_REGISTER_GROUP, type HvX64RegisterGroup } from '../hv/flags/HvX64Register.js';
import { HV_GET_SET_VP_STATE } from '../hv/flags/HvVpState.js';
import { HV_PARTITION_PROPERTY_TIME } from '../hv/flags/HvPartitionProperty.js';
import { HvStatus } from '../hv/HvStatus.js';
import { HypercallCode } from '../hv/HypercallCode.js';

/** One VP state part a hypercall writes into the hypervisor: which VP, which part. */
export interface RestoreWrite {
  readonly partitionId: bigint;
  readonly vpIndex: number;
  readonly part: VpStatePart;
}

/** The highest-ranked part written into a VP since its creation, while its restore is open. */
export interface RestoreProgress {
  /** `restoreRank` of that part; -1 before any write. */
  readonly rank: number;
  readonly part: VpStatePart | null;
}

/** Register name → the state part (register group) it belongs to. */
const PART_OF_REGISTER = new Map<number, VpStatePart>();
for (const [group, names] of Object.entries(HV_X64_REGISTER_GROUP) as [
  HvX64RegisterGroup,
  readonly number[],
][])
  for (const name of names) PART_OF_REGISTER.set(name, group);

/** GET/SET_VP_STATE type → the state part. */
const PART_OF_STATE_TYPE = new Map<number, VpStatePart>([
  [HV_GET_SET_VP_STATE.LAPIC_STATE, 'LAPIC'],
  [HV_GET_SET_VP_STATE.XSAVE, 'XSAVE'],
  [HV_GET_SET_VP_STATE.SIM_PAGE, 'SIMP'],
  [HV_GET_SET_VP_STATE.SIEF_PAGE, 'SIEFP'],
  [HV_GET_SET_VP_STATE.SYNTHETIC_TIMERS, 'SYNTHETIC_TIMERS'],
]);

/** hv_input_set_vp_registers: 16-byte header, then 32-byte hv_register_assoc (name u32 first). */
const SET_REGISTERS_LIST_OFFSET = 16;
/** hv_input_set_vp_state: the hv_vp_state_data type u32 at 16. */
const SET_STATE_TYPE_OFFSET = 16;

/**
 * The VP state part a slow hypercall writes, read from its input as the hypervisor reads it:
 * SET_VP_REGISTERS whose first register belongs to a register group of rule 8 (MSRs, VP events,
 * registers, special registers, FPU, XCRs, misc, debug), or SET_VP_STATE of a state type (LAPIC,
 * XSAVE, SIMP, SIEFP, synthetic timers). Undefined for any other call, a fast call, or registers no
 * part holds (the run loop's INTERCEPT_SUSPEND/EXPLICIT_SUSPEND writes).
 *
 * @example
 * restoreWriteOf(0x0051, input); // { partitionId: 1n, vpIndex: 0, part: 'REGISTERS' }
 */
export function restoreWriteOf(code: number, input: DataView | null): RestoreWrite | undefined {
  if (input === null) return undefined;
  let part: VpStatePart | undefined;
  if (code === HypercallCode.SET_VP_REGISTERS)
    part = PART_OF_REGISTER.get(input.getUint32(SET_REGISTERS_LIST_OFFSET, true));
  else if (code === HypercallCode.SET_VP_STATE)
    part = PART_OF_STATE_TYPE.get(input.getUint32(SET_STATE_TYPE_OFFSET, true));
  if (part === undefined) return undefined;
  return { partitionId: input.getBigUint64(0, true), vpIndex: input.getUint32(8, true), part };
}

const keyOf = (partitionId: bigint, vpIndex: number): string => `${partitionId}/${vpIndex}`;
const SUCCESS = 0;
/** hv_input_set_partition_property: partition_id u64 @0, property_code u32 @8 (inventory §b). */
const PROPERTY_CODE_OFFSET = 8;

/**
 * What each VP had written into the hypervisor during its restore (vmm-lifecycle-rules 8): from
 * the CREATE_VP the hypervisor completed until the VMM declares the VP ready (READY, the Host API's
 * `vp.ready()` after `createVp(i, { restore: true })`) or the VP first enters MSHV_RUN_VP, the
 * highest-ranked part a successful SET_VP_REGISTERS or SET_VP_STATE wrote. Kept from the hypercalls
 * and the requests on every run, observed or not (DECISIONS, model checker item 12): the
 * `restoreOutOfOrder` invariant judges a write against it, and the state digest holds it.
 *
 * It also keeps which partitions owe their clock (rules 3 and 8: the clock is restored before any
 * VP runs): a VP the VMM created for a restore (MSHV_CREATE_VP with `restore`, which succeeded) in
 * a partition it has not started yet (no START done, no VP run) opens the debt, a REFERENCE_TIME the hypervisor took
 * (SET_PARTITION_PROPERTY answered SUCCESS, or CALL_PENDING: it completes asynchronously) pays it.
 * A VP restored into a started partition joins its live clock and owes nothing. The
 * restore is the VMM's declaration, not a state write: a fresh boot writes registers before its
 * first run too (`clockNotRestored` judges the debt).
 *
 * @example
 * const log = new VpRestoreLog();
 * log.noteCall(HypercallCode.CREATE_VP, input, 0n);
 * log.progress(1n, 0); // { rank: -1, part: null }
 */
export class VpRestoreLog {
  readonly #open = new Map<string, RestoreProgress>();
  /** Partitions whose VPs were restored before any ran, and whose clock was not written since. */
  readonly #clockOwed = new Set<bigint>();
  /** Partitions the VMM started (START done), or one of whose VPs entered MSHV_RUN_VP. */
  readonly #started = new Set<bigint>();

  /** Note a slow hypercall the hypervisor answered `status` (a code compare for every other call). */
  noteCall(code: number, input: DataView | null, status: bigint): void {
    if (input === null) return;
    const result = Number(status & 0xffffn);
    if (code === HypercallCode.SET_PARTITION_PROPERTY) {
      if (
        (result === SUCCESS || result === HvStatus.CALL_PENDING) &&
        input.getUint32(PROPERTY_CODE_OFFSET, true) === HV_PARTITION_PROPERTY_TIME.REFERENCE_TIME
      )
        this.#clockOwed.delete(input.getBigUint64(0, true));
      return;
    }
    if (result !== SUCCESS) return;
    if (code === HypercallCode.CREATE_VP) {
      this.#open.set(keyOf(input.getBigUint64(0, true), input.getUint32(8, true)), { rank: -1, part: null });
      return;
    }
    if (code !== HypercallCode.SET_VP_REGISTERS && code !== HypercallCode.SET_VP_STATE) return;
    const w = restoreWriteOf(code, input);
    if (w === undefined) return;
    const key = keyOf(w.partitionId, w.vpIndex);
    const was = this.#open.get(key);
    if (was === undefined) return;
    const rank = restoreRank(w.part);
    if (rank >= was.rank) this.#open.set(key, { rank, part: w.part });
  }

  /** The VMM created a VP for a restore (MSHV_CREATE_VP with `restore` succeeded). */
  noteRestoreCreate(partitionId: bigint): void {
    if (!this.#started.has(partitionId)) this.#clockOwed.add(partitionId);
  }

  /**
   * The VMM started the partition (START done) or one of its VPs entered MSHV_RUN_VP: a VP restored
   * from now on joins a live clock.
   */
  noteStarted(partitionId: bigint): void {
    this.#started.add(partitionId);
  }

  /** The partition's VPs were restored before any ran and its clock has not been written since. */
  clockOwed(partitionId: bigint): boolean {
    return this.#clockOwed.has(partitionId);
  }

  /** The VMM declared the VP's restore over (READY), or the VP entered MSHV_RUN_VP. */
  close(partitionId: bigint, vpIndex: number): void {
    this.#open.delete(keyOf(partitionId, vpIndex));
  }

  /** The VP's restore so far; undefined when none is open (never created, ready, or has run). */
  progress(partitionId: bigint, vpIndex: number): RestoreProgress | undefined {
    return this.#open.get(keyOf(partitionId, vpIndex));
  }
}
