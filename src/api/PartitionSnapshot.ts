import type { JsonValue } from '../log/JsonValue.js';
import { hexToBytes } from '../log/hexBytes.js';
import { isJsonObject } from './isJsonObject.js';

/**
 * What `partition.snapshot()` saved while paused: the guest clock the pause saved
 * (`referenceTime`, REFERENCE_TIME in 100 ns ticks, u64; the one `resume` writes back), and by VP
 * index every state part rule 8 restores, in its order (`VP_STATE_PARTS`), MISC_REGISTERS on VP 0
 * only (they are the partition's). A snapshot taken before the first `start` has no pause behind it:
 * its clock is the partition's reference time when it was taken.
 *
 * A restore into a new partition writes the clock before any VP runs (rules 3 and 8): `createVp(i,
 * { restore: true })` and `setState` per part, `vp.ready()`, then `freezeTime()`,
 * `setReferenceTime(snap.referenceTime)`, `thawTime()`, `start()`.
 *
 * @example
 * const snap = partition.snapshot();
 * if (snap.ok) snap.value.vps.get(0)?.REGISTERS; // Uint8Array(288)
 * if (snap.ok) next.setReferenceTime(snap.value.referenceTime); // while `next`'s time is frozen
 */
export interface PartitionSnapshot {
  readonly referenceTime: bigint;
  readonly vps: ReadonlyMap<number, Readonly<Record<string, Uint8Array>>>;
}

/**
 * The snapshot behind the control plane's SNAPSHOT value (`{ referenceTime: '0x…', vps: { "0": {
 * "REGISTERS": hex, … } } }`); a value of another shape is a broken invariant and throws.
 *
 * @example
 * const snap = partitionSnapshotOf({ referenceTime: '0x2a', vps: { '0': { LAPIC: '00ff' } } });
 * snap.referenceTime; // 42n
 * snap.vps.get(0)?.LAPIC; // Uint8Array [0, 255]
 */
export function partitionSnapshotOf(value: JsonValue): PartitionSnapshot {
  if (!isJsonObject(value) || typeof value.referenceTime !== 'string' || !isJsonObject(value.vps))
    throw new Error(`snapshot: expected { referenceTime, vps }, got ${JSON.stringify(value)}`);
  if (!/^0x[0-9a-f]{1,16}$/.test(value.referenceTime))
    throw new Error(`snapshot: referenceTime ${value.referenceTime} is not a u64 as 0x hex`);
  const vps = new Map<number, Record<string, Uint8Array>>();
  for (const [index, parts] of Object.entries(value.vps)) {
    if (!isJsonObject(parts)) throw new Error(`snapshot: VP ${index}: expected parts by name`);
    const out: Record<string, Uint8Array> = {};
    for (const [part, hex] of Object.entries(parts)) {
      const bytes = typeof hex === 'string' ? hexToBytes(hex) : null;
      if (bytes === null) throw new Error(`snapshot: VP ${index} ${part}: not hex`);
      out[part] = bytes.slice();
    }
    vps.set(Number(index), out);
  }
  return { referenceTime: BigInt(value.referenceTime), vps };
}
