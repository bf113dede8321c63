import { encodeControl } from '../hv/ControlWord.js';
import type { CallPlan } from './CallPlan.js';

/**
 * The control word of a slow (per-CPU page) call as planned: its code, rep count, the rep it
 * starts from (a resumed batch) and the variable header's size in qwords (inventory §b.1).
 *
 * @example
 * slowControlWord({ def: MapGpaPages, repCount: 509, … }); // 0x000001fd0000004bn
 */
export function slowControlWord(plan: CallPlan): bigint {
  return encodeControl({
    code: plan.def.code,
    repCount: plan.repCount,
    repStart: plan.repStart ?? 0,
    varHeadQwords: plan.varHeadQwords ?? 0,
  });
}
