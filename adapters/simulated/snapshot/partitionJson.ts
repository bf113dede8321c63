import type { JsonValue } from '../../../src/log/JsonValue.js';
import { childPath } from '../../../src/scenario/jsonPath.js';
import { FieldReader, hexWord64, readArray, readInt, readWord } from '../../../src/snapshot/FieldReader.js';
import { SnapshotError } from '../../../src/snapshot/SnapshotError.js';
import type { Connection, PartitionState, SavedPartition } from '../model/Partition.js';
import { readGpaMap, writeGpaMap } from './gpaMapJson.js';
import { readPool, writePool } from './poolJson.js';
import { readVp, writeVp } from './vpJson.js';

const V = 1;
const STATES = [
  'created',
  'initialized',
  'finalized',
  'deleted',
] as const satisfies readonly PartitionState[];
const U32 = 0xffff_ffff;

/**
 * A partition as JSON: identity, lifecycle state, VPs, properties (`[[code, value]]`), ports and
 * connections in creation order, the pool ledger (`held`), time freeze and reference time, counters,
 * the pool and the GPA map. 64-bit values are words.
 *
 * @example
 * writePartition(partition.save());
 */
export function writePartition(s: SavedPartition): JsonValue {
  return {
    v: V,
    id: hexWord64(s.id),
    key: s.key,
    isRoot: s.isRoot,
    creationFlags: hexWord64(s.creationFlags),
    isolationType: s.isolationType,
    state: s.state,
    vps: s.vps.map((vp) => writeVp(vp)),
    properties: s.properties.map(([code, value]) => [code, hexWord64(value)]),
    ports: s.ports.map((p) => ({
      id: p.id,
      type: p.type,
      connectionPartition: hexWord64(p.connectionPartition),
      targetSint: p.targetSint,
      targetVp: p.targetVp,
      connections: [...p.connections],
    })),
    connections: s.connections.map((c) => ({
      id: c.id,
      portPartition: hexWord64(c.portPartition),
      portId: c.portId,
      type: c.type,
      gpa: hexWord64(c.gpa),
      triggerValue: hexWord64(c.triggerValue),
      flags: hexWord64(c.flags),
    })),
    held: { ...s.held },
    timeFrozen: s.timeFrozen,
    frozenReferenceTime: hexWord64(s.frozenReferenceTime),
    referenceOffset: hexWord64(s.referenceOffset),
    asyncCompletions: s.asyncCompletions,
    interruptsCleared: s.interruptsCleared,
    pool: writePool(s.pool),
    gpa: writeGpaMap(s.gpa),
  };
}

/**
 * Read a partition written by `writePartition` on a machine of `cpuCount` CPUs whose RAM ends at
 * `endPfn`. VP indexes, property codes, port ids and connection ids must be unique.
 *
 * @example
 * Partition.restore(readPartition(writePartition(p.save()), '$.partitions[1]', 4, ram.endPfn), ram, refs);
 */
export function readPartition(json: unknown, path: string, cpuCount: number, endPfn: number): SavedPartition {
  const r = FieldReader.of(json, path, 'a partition', V);
  const unique = <T>(name: string, items: T[], key: (t: T) => number | bigint): T[] => {
    const seen = new Set<number | bigint>();
    items.forEach((t, i) => {
      const k = key(t);
      if (seen.has(k))
        throw new SnapshotError(childPath(r.path(name), i), 'duplicate', `${String(k)} appears twice`);
      seen.add(k);
    });
    return items;
  };
  const s: SavedPartition = {
    id: r.word('id'),
    key: r.int('key', 0, 0xfffe),
    isRoot: r.bool('isRoot'),
    creationFlags: r.word('creationFlags'),
    isolationType: r.int('isolationType', 0, U32),
    state: r.oneOf('state', STATES),
    vps: unique(
      'vps',
      r.each('vps', (item, p) => readVp(item, p, cpuCount, endPfn)),
      (vp) => vp.index,
    ),
    properties: unique(
      'properties',
      r.each('properties', (item, p) => {
        const t = readArray(item, p, { length: 2 });
        return [readInt(t[0], childPath(p, 0), 0, U32), readWord(t[1], childPath(p, 1))] as const;
      }),
      ([code]) => code,
    ),
    ports: unique(
      'ports',
      r.each('ports', (item, p) => {
        const q = FieldReader.of(item, p, 'a port');
        const port = {
          id: q.int('id', 1, U32),
          type: q.int('type', 0, U32),
          connectionPartition: q.word('connectionPartition'),
          targetSint: q.int('targetSint', 0, U32),
          targetVp: q.int('targetVp', 0, U32),
          connections: q.each('connections', (x, xp) => readInt(x, xp, 1, U32)),
        };
        q.end();
        return port;
      }),
      (port) => port.id,
    ),
    connections: unique(
      'connections',
      r.each('connections', (item, p): Connection => {
        const q = FieldReader.of(item, p, 'a connection');
        const c = {
          id: q.int('id', 1, U32),
          portPartition: q.word('portPartition'),
          portId: q.int('portId', 1, U32),
          type: q.int('type', 0, U32),
          gpa: q.word('gpa'),
          triggerValue: q.word('triggerValue'),
          flags: q.word('flags'),
        };
        q.end();
        return c;
      }),
      (c) => c.id,
    ),
    held: (() => {
      const h = r.object('held', 'the pool ledger');
      const held = {
        partition: h.int('partition', 0),
        vps: h.int('vps', 0),
        ports: h.int('ports', 0),
        connections: h.int('connections', 0),
      };
      h.end();
      return held;
    })(),
    timeFrozen: r.bool('timeFrozen'),
    frozenReferenceTime: r.word('frozenReferenceTime'),
    referenceOffset: r.signedWord('referenceOffset'),
    asyncCompletions: r.int('asyncCompletions', 0),
    interruptsCleared: r.int('interruptsCleared', 0),
    pool: readPool(r.raw('pool'), r.path('pool'), endPfn),
    gpa: readGpaMap(r.raw('gpa'), r.path('gpa')),
  };
  r.end();
  return s;
}
