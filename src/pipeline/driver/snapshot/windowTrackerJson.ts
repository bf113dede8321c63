import type { JsonValue } from '../../../log/JsonValue.js';
import { FieldReader } from '../../../snapshot/FieldReader.js';
import type { SavedWindowTracker } from '../../WindowTracker.js';

const V = 1;

/**
 * The interrupt-window counters as JSON: `{ v, count, largestReps, largestCalls }` (window ids in
 * the trace continue from `count`).
 *
 * @example
 * writeWindowTracker(env.windows.save()); // { v: 1, count: 12, largestReps: 509, largestCalls: 1 }
 */
export function writeWindowTracker(s: SavedWindowTracker): JsonValue {
  return { v: V, count: s.count, largestReps: s.largestReps, largestCalls: s.largestCalls };
}

/**
 * Read counters written by `writeWindowTracker`.
 *
 * @example
 * WindowTracker.restore(readWindowTracker(json, '$.driver.windows'));
 */
export function readWindowTracker(json: unknown, path: string): SavedWindowTracker {
  const r = FieldReader.of(json, path, 'the interrupt-window counters', V);
  const s = {
    count: r.int('count', 0),
    largestReps: r.int('largestReps', 0),
    largestCalls: r.int('largestCalls', 0),
  };
  r.end();
  return s;
}
