import type { JsonValue } from '../log/JsonValue.js';
import { hexToBytes } from '../log/hexBytes.js';
import { isJsonObject } from './isJsonObject.js';

/**
 * What `partition.snapshot()` saved while paused, by VP index: every state part rule 8 restores, in
 * its order (`VP_STATE_PARTS`), MISC_REGISTERS on VP 0 only (they are the partition's).
 *
 * @example
 * const snap = partition.snapshot();
 * if (snap.ok) snap.value.vps.get(0)?.REGISTERS; // Uint8Array(288)
 */
export interface PartitionSnapshot {
  readonly vps: ReadonlyMap<number, Readonly<Record<string, Uint8Array>>>;
}

/**
 * The snapshot behind the control plane's SNAPSHOT value (`{ "0": { "REGISTERS": hex, … } }`); a
 * value of another shape is a broken invariant and throws.
 *
 * @example
 * partitionSnapshotOf({ '0': { LAPIC: '00ff' } }).vps.get(0)?.LAPIC; // Uint8Array [0, 255]
 */
export function partitionSnapshotOf(value: JsonValue): PartitionSnapshot {
  const vps = new Map<number, Record<string, Uint8Array>>();
  if (!isJsonObject(value))
    throw new Error(`snapshot: expected an object by VP index, got ${JSON.stringify(value)}`);
  for (const [index, parts] of Object.entries(value)) {
    if (!isJsonObject(parts)) throw new Error(`snapshot: VP ${index}: expected parts by name`);
    const out: Record<string, Uint8Array> = {};
    for (const [part, hex] of Object.entries(parts)) {
      const bytes = typeof hex === 'string' ? hexToBytes(hex) : null;
      if (bytes === null) throw new Error(`snapshot: VP ${index} ${part}: not hex`);
      out[part] = bytes.slice();
    }
    vps.set(Number(index), out);
  }
  return { vps };
}
