import type { RngState } from '../../../src/det/Rng.js';
import type { JsonValue } from '../../../src/log/JsonValue.js';
import { FieldReader, hexWord64 } from '../../../src/snapshot/FieldReader.js';
import { readRng, writeRng } from '../../../src/snapshot/rngJson.js';
import { SnapshotError } from '../../../src/snapshot/SnapshotError.js';
import type { SavedHvModel } from '../model/HvModel.js';
import { readPartition, writePartition } from './partitionJson.js';

const V = 1;

/**
 * The hypervisor model as JSON: `{ v, partitions, nextChildId, rng }`, partitions root first in
 * key order: the live ones, and deleted ones that leaked pages or still have SNP pages exclusive to
 * them (a partition deleted clean is forgotten, its key reused; snapshots from before that list every
 * deleted partition, and read the same).
 *
 * @example
 * writeHvModel(model.save(), model.rng.state());
 */
export function writeHvModel(s: SavedHvModel, rng: RngState): JsonValue {
  return {
    v: V,
    partitions: s.partitions.map((p) => writePartition(p)),
    nextChildId: hexWord64(s.nextChildId),
    rng: writeRng(rng),
  };
}

/**
 * Read a model written by `writeHvModel`: the root first (key 0), keys ascending, ids unique and
 * below the next child id.
 *
 * @example
 * readHvModel(writeHvModel(model.save(), model.rng.state()), '$.hv', 4, ram.endPfn);
 */
export function readHvModel(
  json: unknown,
  path: string,
  cpuCount: number,
  endPfn: number,
): { readonly saved: SavedHvModel; readonly rng: RngState } {
  const r = FieldReader.of(json, path, 'the hypervisor model', V);
  const ids = new Set<bigint>();
  let lastKey = -1;
  const partitions = r.each('partitions', (item, p, i) => {
    const s = readPartition(item, p, cpuCount, endPfn);
    if (s.key <= lastKey || (i === 0 && s.key !== 0))
      throw new SnapshotError(`${p}.key`, 'order', `key ${s.key} at position ${i}`);
    lastKey = s.key;
    if (s.isRoot !== (i === 0))
      throw new SnapshotError(`${p}.isRoot`, 'order', 'the root partition is the first and only root');
    if (ids.has(s.id))
      throw new SnapshotError(`${p}.id`, 'duplicate', `partition id 0x${s.id.toString(16)} twice`);
    ids.add(s.id);
    return s;
  });
  if (partitions.length === 0)
    throw new SnapshotError(r.path('partitions'), 'required', 'the root partition is missing');
  const nextChildId = r.word('nextChildId');
  const rng = readRng(r.raw('rng'), r.path('rng'));
  r.end();
  return { saved: { partitions, nextChildId }, rng };
}
