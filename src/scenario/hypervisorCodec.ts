import { HypercallCode, type HypercallName } from '../hv/HypercallCode.js';
import { hypercallDefByCode } from '../hv/hypercalls/index.js';
import { HvStatus } from '../hv/HvStatus.js';
import { hvStatusByName, hvStatusName, HvStatusPatchOnly, HvStatusTable } from '../hv/HvStatus.js';
import { bool, type Codec, int, list, oneOf, u64, unknownName } from './Codec.js';
import { defaulted, objectCodec, optional, required, type SpecFor } from './objectCodec.js';
import { parseNumber } from './parseNumber.js';
import type { FaultPlanEntry, HypervisorConfig, Scheduler } from './Scenario.js';
import { ScenarioError } from './ScenarioError.js';

const statusNames = [...HvStatusTable.map((s) => s.name), ...Object.keys(HvStatusPatchOnly)];

/**
 * A fault status: an HV_STATUS name without the prefix, or a raw u16 (extension) so that codes no
 * table knows can be injected. Read as the raw 16-bit value.
 *
 * @example
 * statusCodec.read('INSUFFICIENT_MEMORY', '$.hypervisor.faults[0].status'); // 11
 */
export const statusCodec: Codec<number> = {
  expected: 'HV_STATUS name (without prefix) or u16',
  read(value, path) {
    if (typeof value === 'string' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(value)) {
      const code = hvStatusByName(value);
      if (code === undefined) throw unknownName(path, 'HV status', value, statusNames);
      return code;
    }
    return Number(parseNumber(value, 'u16', path));
  },
  write(value) {
    // The name when a table has one (UNKNOWN_PROPERTY is a name), else the raw number.
    const name = hvStatusName(value);
    return hvStatusByName(name) === value ? name : value;
  },
};

const faultFields: SpecFor<Omit<FaultPlanEntry, 'statusName'>> = {
  call: required(oneOf(Object.keys(HypercallCode) as HypercallName[], 'hypercall')),
  nth: required(int('u32', 1)),
  status: required(statusCodec),
  completionDelayNs: optional(u64()),
};

const faultInput = objectCodec(faultFields, 'a fault plan entry');

/**
 * Why a fault may not carry a completion delay, or undefined when it may: a late completion is
 * CALL_PENDING on an asynchronous call (SET_PARTITION_PROPERTY, inventory §c.9). Scenario faults and
 * check model fault choices share this rule.
 *
 * @example
 * completionDelayProblem('CREATE_VP', HvStatus.CALL_PENDING); // 'CREATE_VP is not an asynchronous call'
 */
export function completionDelayProblem(call: HypercallName, status: number): string | undefined {
  if (status !== HvStatus.CALL_PENDING) return 'a completion delay needs status CALL_PENDING';
  if (hypercallDefByCode(HypercallCode[call])?.async !== true) return `${call} is not an asynchronous call`;
  return undefined;
}

/**
 * One fault plan entry `{call, nth, status, completionDelayNs?}`; the typed value adds `statusName`.
 * `completionDelayNs` (a late completion) is valid only with status CALL_PENDING on an asynchronous
 * call (SET_PARTITION_PROPERTY, inventory §c.9): the call runs and its completion arrives late.
 *
 * @example
 * faultCodec.read({ call: 'MAP_GPA_PAGES', nth: 2, status: 'INSUFFICIENT_MEMORY' }, '$.f');
 * // { call: 'MAP_GPA_PAGES', nth: 2, status: 11, statusName: 'INSUFFICIENT_MEMORY' }
 */
export const faultCodec: Codec<FaultPlanEntry> = {
  expected: faultInput.expected,
  read(value, path) {
    const f = faultInput.read(value, path);
    const problem = f.completionDelayNs === undefined ? undefined : completionDelayProblem(f.call, f.status);
    if (problem !== undefined) throw new ScenarioError(`${path}.completionDelayNs`, 'conflict', problem);
    return { ...f, statusName: hvStatusName(f.status) };
  },
  write: ({ call, nth, status, completionDelayNs }) =>
    faultInput.write({
      call,
      nth,
      status,
      ...(completionDelayNs === undefined ? {} : { completionDelayNs }),
    }),
};

const faultEntries = list(faultCodec);

/**
 * The fault plan: its entries, no two for the same call and `nth` (a call answers one status; the
 * later entry could never fire, so a plan that has one is a mistake, refused as a `conflict`).
 *
 * @example
 * faultPlanCodec.read([{ call: 'CREATE_VP', nth: 1, status: 'INSUFFICIENT_MEMORY' }], '$.hypervisor.faults');
 */
export const faultPlanCodec: Codec<readonly FaultPlanEntry[]> = {
  expected: faultEntries.expected,
  read(value, path) {
    const entries = faultEntries.read(value, path);
    const first = new Map<string, number>();
    entries.forEach((f, i) => {
      const key = `${f.call} ${f.nth}`;
      const earlier = first.get(key);
      if (earlier !== undefined)
        throw new ScenarioError(
          `${path}[${i}]`,
          'conflict',
          `${f.call} call ${f.nth} already answers ${hvStatusName(entries[earlier]?.status ?? 0)} (faults[${earlier}]); a call answers one status`,
        );
      first.set(key, i);
    });
    return entries;
  },
  write: (v) => faultEntries.write(v),
};

export const schedulers = ['lp', 'lp-smt', 'core-smt', 'root'] as const satisfies readonly Scheduler[];

/** The scheduler of a scenario that does not name one. */
export const defaultScheduler: Scheduler = 'core-smt';

/**
 * The `hypervisor` object; every field optional.
 *
 * @example
 * hypervisorCodec.read({}, '$.hypervisor'); // { scheduler: 'core-smt', faults: [] }
 */
export const hypervisorCodec: Codec<HypervisorConfig> = objectCodec<HypervisorConfig>(
  {
    scheduler: defaulted(oneOf(schedulers, 'scheduler'), defaultScheduler),
    repTimeSlice: optional(int('u32', 1)),
    dispatchInterruptInjection: optional(bool),
    faults: defaulted(faultPlanCodec, []),
  },
  'the hypervisor configuration',
);
