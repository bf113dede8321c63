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
  // Optional fields are set only when given (a present `undefined` would read as given to `in` and
  // spread), written out rather than filtered: this runs for every hypercall the driver plans.
  const p: { -readonly [K in keyof CallPlan]: CallPlan[K] } = {
    def,
    traits,
    header,
    op,
    repCount: extra.repCount ?? 0,
  };
  if (extra.deposit !== undefined) p.deposit = extra.deposit;
  if (extra.list !== undefined) p.list = extra.list;
  if (extra.varHeadQwords !== undefined) p.varHeadQwords = extra.varHeadQwords;
  if (extra.listCount !== undefined) p.listCount = extra.listCount;
  return p;
}
