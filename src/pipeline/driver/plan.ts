import { type HypercallDef, traitsOf } from '../../hv/Hypercall.js';
import type { CallPlan, DepositPolicy, ListWriter } from '../CallPlan.js';

const traitCache = new Map<HypercallDef, ReturnType<typeof traitsOf>>();

/**
 * Build a CallPlan for a single (non-list) call, with traits derived once per definition.
 *
 * @example
 * exec(plan(FinalizePartition, { partitionId: pt.id }, 'MSHV_RELEASE'));
 */
export function plan(
  def: HypercallDef,
  header: Readonly<Record<string, unknown>>,
  op: string,
  extra: {
    readonly deposit?: DepositPolicy;
    readonly repCount?: number;
    readonly list?: ListWriter;
    readonly varHeadQwords?: number;
    readonly listCount?: number;
  } = {},
): CallPlan {
  let traits = traitCache.get(def);
  if (traits === undefined) {
    traits = traitsOf(def);
    traitCache.set(def, traits);
  }
  return { def, traits, header, op, repCount: extra.repCount ?? 0, ...stripUndefined(extra) };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
