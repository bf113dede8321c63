/**
 * When a partition property may be written:
 * - `early`: only before INITIALIZE_PARTITION (vmm-lifecycle-rules 1; inventory §c.2: "early"
 *   properties can be set only in the Created state);
 * - `postInit`: after INITIALIZE_PARTITION and before the partition is configured (rule 1 orders
 *   initialized → post-init properties → configured);
 * - `managed`: written only through its own request, whose guard carries the rule (TIME_FREEZE:
 *   FREEZE_TIME/THAW_TIME; REFERENCE_TIME: SET_REFERENCE_TIME, rule 2; GPA_PAGE_ACCESS_TRACKING:
 *   the dirty-tracking requests, rule 7);
 * - `any`: every other property: the machine does not know its stage and lets the hypervisor decide.
 */
export type PropertyStage = 'early' | 'postInit' | 'managed' | 'any';

/**
 * The properties rule 1 names that have a hypervisor property code (HV_PARTITION_PROPERTY, facts
 * `flags_enums`, or hvhdk.h for the time properties), and PRIVILEGE_FLAGS, which the simulated
 * hypervisor takes only in the Created state as it does SYNTHETIC_PROC_FEATURES. Rule 1 also names
 * processors-per-socket as post-init, but the reference gives it no property code: it is left out
 * rather than given an invented one (docs/FACTS-COVERAGE.md). The arm64 GIC properties are early
 * too; the reference does not name them, so they fall under `any` until it does.
 */
export const PROPERTY_STAGE: Readonly<Record<string, PropertyStage>> = {
  PRIVILEGE_FLAGS: 'early',
  SYNTHETIC_PROC_FEATURES: 'early',
  UNIMPLEMENTED_MSR_ACTION: 'postInit',
  TIME_FREEZE: 'managed',
  REFERENCE_TIME: 'managed',
  GPA_PAGE_ACCESS_TRACKING: 'managed',
};

/**
 * The stage of a property by its HV_PARTITION_PROPERTY name.
 *
 * @example
 * propertyStage('SYNTHETIC_PROC_FEATURES'); // 'early'
 * propertyStage('PROCESSOR_CLOCK_FREQUENCY'); // 'any'
 */
export function propertyStage(name: string): PropertyStage {
  return Object.hasOwn(PROPERTY_STAGE, name) ? (PROPERTY_STAGE[name] ?? 'any') : 'any';
}
