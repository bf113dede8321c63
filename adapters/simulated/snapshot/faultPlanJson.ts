import type { RngState } from '../../../src/det/Rng.js';
import { HypercallCode } from '../../../src/hv/HypercallCode.js';
import type { JsonValue } from '../../../src/log/JsonValue.js';
import { childPath } from '../../../src/scenario/jsonPath.js';
import { FieldReader, readArray, readInt, readOneOf } from '../../../src/snapshot/FieldReader.js';
import { readRng, writeRng } from '../../../src/snapshot/rngJson.js';
import { SnapshotError } from '../../../src/snapshot/SnapshotError.js';
import type { SavedFaultPlan } from '../faults/FaultPlan.js';

const V = 1;
const NAMES = Object.keys(HypercallCode);

/**
 * A fault plan's counters as JSON: `{ v, counts: [[call, n]], rng }`, counts in first-call order.
 * The plan and the rates are part of the machine's configuration.
 *
 * @example
 * writeFaultPlan(plan.save(), plan.rng.state()); // { v: 1, counts: [['CREATE_PARTITION', 1]], rng }
 */
export function writeFaultPlan(s: SavedFaultPlan, rng: RngState): JsonValue {
  return { v: V, counts: s.counts.map(([call, n]) => [call, n]), rng: writeRng(rng) };
}

/**
 * Read counters written by `writeFaultPlan`: hypercall names, each once, counts ≥ 1.
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
  r.end();
  return { saved: { counts }, rng };
}
