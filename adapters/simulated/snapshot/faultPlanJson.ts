import type { RngState } from '../../../src/det/Rng.js';
import { HypercallCode } from '../../../src/hv/HypercallCode.js';
import type { JsonValue } from '../../../src/log/JsonValue.js';
import { childPath } from '../../../src/scenario/jsonPath.js';
import { FieldReader, readArray, readInt, readOneOf } from '../../../src/snapshot/FieldReader.js';
import { readRng, writeRng } from '../../../src/snapshot/rngJson.js';
import { SnapshotError } from '../../../src/snapshot/SnapshotError.js';
import { faultPlanCodec } from '../../../src/scenario/hypervisorCodec.js';
import { viaScenarioCodec } from './viaScenarioCodec.js';
import type { SavedFaultPlan } from '../faults/FaultPlan.js';

const V = 1;
const NAMES = Object.keys(HypercallCode);

/**
 * A fault plan's counters as JSON: `{ v, counts: [[call, n]], rng, armed? }`, counts in first-call
 * order. The plan and the rates are part of the machine's configuration; `armed` holds the faults
 * `FaultPlan.arm` added that have not fired yet, as a scenario writes fault entries, only when there
 * is one (so a plan never armed writes the bytes of every earlier snapshot).
 *
 * @example
 * writeFaultPlan(plan.save(), plan.rng.state()); // { v: 1, counts: [['CREATE_PARTITION', 1]], rng }
 */
export function writeFaultPlan(s: SavedFaultPlan, rng: RngState): JsonValue {
  const armed = s.armed ?? [];
  return {
    v: V,
    counts: s.counts.map(([call, n]) => [call, n]),
    rng: writeRng(rng),
    ...(armed.length === 0 ? {} : { armed: faultPlanCodec.write(armed) }),
  };
}

/**
 * Read counters written by `writeFaultPlan`: hypercall names, each once, counts ≥ 1; armed faults
 * each for a call not made yet.
 *
 * @example
 * readFaultPlan(writeFaultPlan(plan.save(), plan.rng.state()), '$.faults');
 */
export function readFaultPlan(
  json: unknown,
  path: string,
): { readonly saved: SavedFaultPlan; readonly rng: RngState } {
  const r = FieldReader.of(json, path, 'the fault plan counters', V);
  const seen = new Set<string>();
  const counts = r.each('counts', (item, p) => {
    const t = readArray(item, p, { length: 2 });
    const call = readOneOf(t[0], childPath(p, 0), NAMES);
    if (seen.has(call)) throw new SnapshotError(childPath(p, 0), 'duplicate', `${call} counted twice`);
    seen.add(call);
    return [call, readInt(t[1], childPath(p, 1), 1)] as const;
  });
  const rng = readRng(r.raw('rng'), r.path('rng'));
  const made = new Map(counts);
  const armed = r.has('armed') ? viaScenarioCodec(faultPlanCodec, r.raw('armed'), r.path('armed')) : [];
  armed.forEach((e, i) => {
    const n = made.get(e.call) ?? 0;
    if (e.nth <= n)
      throw new SnapshotError(
        `${r.path('armed')}[${i}].nth`,
        'consistency',
        `${e.call} call ${e.nth} is armed but ${n} calls were made: an armed fault is for a call to come`,
      );
  });
  r.end();
  return { saved: { counts, ...(armed.length === 0 ? {} : { armed }) }, rng };
}
