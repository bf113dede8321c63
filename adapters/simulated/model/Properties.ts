import {
  HV_PARTITION_PROPERTY,
  HV_PARTITION_PROPERTY_TIME,
} from '../../../src/hv/flags/HvPartitionProperty.js';
import { HvStatus } from '../../../src/hv/HvStatus.js';
import type { HvModel } from './HvModel.js';
import type { Partition } from './Partition.js';

/** Time freeze and reference time (src/hv/flags HV_PARTITION_PROPERTY_TIME), used by pause and resume. */
export const PROPERTY_TIME_FREEZE = HV_PARTITION_PROPERTY_TIME.TIME_FREEZE;
export const PROPERTY_REFERENCE_TIME = HV_PARTITION_PROPERTY_TIME.REFERENCE_TIME;

/** Properties only legal before INITIALIZE_PARTITION (vmm-lifecycle-rules 1). */
const EARLY = new Set<number>([
  HV_PARTITION_PROPERTY.PRIVILEGE_FLAGS,
  HV_PARTITION_PROPERTY.SYNTHETIC_PROC_FEATURES,
]);
/** Properties the hypervisor reports and the root cannot set. */
const READ_ONLY = new Set<number>([
  HV_PARTITION_PROPERTY.PROCESSOR_XSAVE_FEATURES,
  HV_PARTITION_PROPERTY.XSAVE_STATES,
  HV_PARTITION_PROPERTY.MAX_XSAVE_DATA_SIZE,
  HV_PARTITION_PROPERTY.PROCESSOR_CLOCK_FREQUENCY,
]);
/** Boolean properties: values other than 0 and 1 are PROPERTY_VALUE_OUT_OF_RANGE. */
const BOOLEAN = new Set<number>([
  PROPERTY_TIME_FREEZE,
  HV_PARTITION_PROPERTY.GPA_PAGE_ACCESS_TRACKING,
  HV_PARTITION_PROPERTY.UNIMPLEMENTED_MSR_ACTION,
]);
const STORED = new Set<number>([...EARLY, ...BOOLEAN]);

export type PropertyRead =
  { readonly ok: true; readonly value: bigint } | { readonly ok: false; readonly status: number };

/**
 * GET_PARTITION_PROPERTY(_EX) of one code.
 *
 * @example
 * getProperty(m, p, PROPERTY_TIME_FREEZE); // { ok: true, value: 0n } while time runs
 * getProperty(m, p, 0x12345); // { ok: false, status: HvStatus.UNKNOWN_PROPERTY }
 */
export function getProperty(m: HvModel, p: Partition, code: number): PropertyRead {
  switch (code) {
    case PROPERTY_TIME_FREEZE:
      return { ok: true, value: p.timeFrozen ? 1n : 0n };
    case PROPERTY_REFERENCE_TIME:
      return { ok: true, value: m.referenceTime(p) };
    case HV_PARTITION_PROPERTY.XSAVE_STATES:
      return { ok: true, value: m.knobs.xsaveStates };
    case HV_PARTITION_PROPERTY.PROCESSOR_XSAVE_FEATURES:
      return { ok: true, value: m.knobs.xsaveStates === 0xe7n ? 0x3n : 0x1n };
    case HV_PARTITION_PROPERTY.MAX_XSAVE_DATA_SIZE:
      return { ok: true, value: BigInt(m.knobs.maxXsaveDataSize) };
    case HV_PARTITION_PROPERTY.PROCESSOR_CLOCK_FREQUENCY:
      return { ok: true, value: m.knobs.processorClockHz };
  }
  if (STORED.has(code)) return { ok: true, value: p.properties.get(code) ?? 0n };
  return { ok: false, status: HvStatus.UNKNOWN_PROPERTY };
}

/**
 * Validate a SET_PARTITION_PROPERTY without changing anything: the status it completes with.
 * Early properties after INITIALIZE_PARTITION and the reference time while time runs answer
 * INVALID_PARTITION_STATE (vmm-lifecycle-rules 1, 2).
 *
 * @example
 * checkSetProperty(p, PROPERTY_TIME_FREEZE, 2n); // HvStatus.PROPERTY_VALUE_OUT_OF_RANGE (a boolean property)
 */
export function checkSetProperty(p: Partition, code: number, value: bigint): number {
  if (READ_ONLY.has(code)) return HvStatus.INVALID_PARAMETER;
  if (code === PROPERTY_REFERENCE_TIME)
    return p.timeFrozen ? HvStatus.SUCCESS : HvStatus.INVALID_PARTITION_STATE;
  if (!STORED.has(code)) return HvStatus.UNKNOWN_PROPERTY;
  if (EARLY.has(code) && p.state !== 'created') return HvStatus.INVALID_PARTITION_STATE;
  if (BOOLEAN.has(code) && value > 1n) return HvStatus.PROPERTY_VALUE_OUT_OF_RANGE;
  return HvStatus.SUCCESS;
}

/**
 * Apply a SET_PARTITION_PROPERTY that `checkSetProperty` accepted. Freeze and thaw are idempotent.
 *
 * @example
 * applySetProperty(m, p, PROPERTY_TIME_FREEZE, 1n); p.timeFrozen; // true
 */
export function applySetProperty(m: HvModel, p: Partition, code: number, value: bigint): void {
  if (code === PROPERTY_REFERENCE_TIME) {
    p.frozenReferenceTime = value;
    return;
  }
  if (code === PROPERTY_TIME_FREEZE) {
    if (value === 1n && !p.timeFrozen) {
      p.frozenReferenceTime = m.referenceTime(p);
      p.timeFrozen = true;
    } else if (value === 0n && p.timeFrozen) {
      p.referenceOffset = p.frozenReferenceTime - m.clock.now() / 100n;
      p.timeFrozen = false;
    }
  }
  if (
    code === HV_PARTITION_PROPERTY.GPA_PAGE_ACCESS_TRACKING &&
    value === 1n &&
    p.properties.get(code) !== 1n
  ) {
    // Enabling tracking reports every mapped page dirty on the first read (vmm-lifecycle-rules 7).
    const spans: [number, number][] = [];
    for (const e of p.gpa.extents) if (e.value.backing === 'ram') spans.push([e.start, e.end]);
    for (const [s, e] of spans) p.gpa.access.set(s, e, 3);
  }
  p.properties.set(code, value);
}
