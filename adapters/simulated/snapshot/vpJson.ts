import { HV_PAGE_SIZE } from '../../../src/hv/Page.js';
import type { JsonValue } from '../../../src/log/JsonValue.js';
import { guestExitCodec } from '../../../src/scenario/guestExitCodec.js';
import { childPath } from '../../../src/scenario/jsonPath.js';
import {
  FieldReader,
  hexWord64,
  readArray,
  readBool,
  readInt,
  readWord,
} from '../../../src/snapshot/FieldReader.js';
import { readSparseBytes, writeSparseBytes } from '../../../src/snapshot/sparseBytes.js';
import { SnapshotError } from '../../../src/snapshot/SnapshotError.js';
import { HV_MESSAGE_SIZE } from '../model/Messages.js';
import type { GuestRetry, MappedPage, SavedVp } from '../model/Vp.js';
import { viaScenarioCodec } from './viaScenarioCodec.js';

const V = 1;

/**
 * A VP as JSON: every field of the model's Vp. Maps are lists of tuples in insertion order
 * (`registers: [[name, lo, hi]]`, `statePages: [[type, pfn, overlay]]`, `stateBlobs: [[type,
 * length, bytes]]`), the guest script is written as a scenario writes guest exits, byte buffers as
 * sparse segments.
 *
 * @example
 * writeVp(vp.save());
 */
export function writeVp(s: SavedVp): JsonValue {
  const pages = (list: SavedVp['statePages']): JsonValue =>
    list.map(([key, page]) => [key, page.pfn, page.overlay]);
  const retry =
    s.retry === undefined
      ? {}
      : { retry: [guestExitCodec.write(s.retry.exit), s.retry.gfn, s.retry.remapped] };
  return {
    v: V,
    index: s.index,
    cpu: s.cpu,
    registers: s.registers.map(([name, lo, hi]) => [name, hexWord64(lo), hexWord64(hi)]),
    explicitSuspend: s.explicitSuspend,
    interceptSuspend: s.interceptSuspend,
    dispatchSuspend: s.dispatchSuspend,
    signalCount: s.signalCount,
    script: s.script.map((e) => guestExitCodec.write(e)),
    halted: s.halted,
    thread: s.thread,
    lastMessage: s.lastMessage === null ? null : writeSparseBytes(s.lastMessage),
    pendingVectors: [...s.pendingVectors],
    statePages: pages(s.statePages),
    statsPages: pages(s.statsPages),
    stateBlobs: s.stateBlobs.map(([type, blob]) => [type, blob.length, writeSparseBytes(blob)]),
    exits: s.exits,
    interruptsAsserted: s.interruptsAsserted,
    extIntPending: s.extIntPending,
    ...retry,
  };
}

/**
 * Read a VP written by `writeVp` on a machine of `cpuCount` CPUs whose RAM ends at `endPfn`.
 *
 * @example
 * Vp.restore(readVp(writeVp(vp.save()), '$.vps[0]', 4, ram.endPfn));
 */
export function readVp(json: unknown, path: string, cpuCount: number, endPfn: number): SavedVp {
  const r = FieldReader.of(json, path, 'a VP', V);
  const keys = new Set<number>();
  const unique = (p: string, key: number, what: string): number => {
    if (keys.has(key)) throw new SnapshotError(p, 'duplicate', `${what} ${key} appears twice`);
    keys.add(key);
    return key;
  };
  const pages = (name: string): [number, MappedPage][] => {
    keys.clear();
    return r.each(name, (item, p) => {
      const t = readArray(item, p, { length: 3 });
      const key = unique(childPath(p, 0), readInt(t[0], childPath(p, 0), 0, 0xffff_ffff), 'page type');
      const pfn = readInt(t[1], childPath(p, 1), 0, endPfn - 1);
      return [key, { pfn, overlay: readBool(t[2], childPath(p, 2)) }];
    });
  };
  const index = r.int('index', 0, 0xffff_ffff);
  const cpu = r.int('cpu', 0, cpuCount - 1);
  keys.clear();
  const registers = r.each('registers', (item, p) => {
    const t = readArray(item, p, { length: 3 });
    const name = unique(childPath(p, 0), readInt(t[0], childPath(p, 0), 0, 0xffff_ffff), 'register');
    return [name, readWord(t[1], childPath(p, 1)), readWord(t[2], childPath(p, 2))] as const;
  });
  const s: SavedVp = {
    index,
    cpu,
    registers,
    explicitSuspend: r.bool('explicitSuspend'),
    interceptSuspend: r.bool('interceptSuspend'),
    dispatchSuspend: r.bool('dispatchSuspend'),
    signalCount: r.int('signalCount', 0),
    script: r.each('script', (item, p) => viaScenarioCodec(guestExitCodec, item, p)),
    halted: r.bool('halted'),
    thread: r.oneOf('thread', ['idle', 'blocked']),
    lastMessage:
      r.raw('lastMessage') === null
        ? null
        : readSparseBytes(r.raw('lastMessage'), r.path('lastMessage'), HV_MESSAGE_SIZE),
    pendingVectors: r.each('pendingVectors', (x, p) => readInt(x, p, 0, 255)),
    statePages: pages('statePages'),
    statsPages: pages('statsPages'),
    stateBlobs: (() => {
      keys.clear();
      return r.each('stateBlobs', (item, p) => {
        const t = readArray(item, p, { length: 3 });
        const type = unique(childPath(p, 0), readInt(t[0], childPath(p, 0), 0, 0xffff_ffff), 'state type');
        const length = readInt(t[1], childPath(p, 1), 0, 16 * HV_PAGE_SIZE);
        return [type, readSparseBytes(t[2], childPath(p, 2), length)] as const;
      });
    })(),
    exits: r.int('exits', 0),
    interruptsAsserted: r.int('interruptsAsserted', 0),
    extIntPending: r.bool('extIntPending'),
    ...(r.has('retry') ? { retry: readRetry(r.raw('retry'), r.path('retry')) } : {}),
  };
  r.end();
  return s;
}

/** `[exit, gfn, remapped]`: a memory access (MMIO or UNMAPPED_GPA) the VP executes again or drops. */
function readRetry(json: unknown, path: string): GuestRetry {
  const t = readArray(json, path, { length: 3 });
  const exit = viaScenarioCodec(guestExitCodec, t[0], childPath(path, 0));
  if (exit.exit !== 'MMIO' && exit.exit !== 'UNMAPPED_GPA')
    throw new SnapshotError(childPath(path, 0), 'range', `a ${exit.exit} exit is not a memory access`);
  return {
    exit,
    gfn: readInt(t[1], childPath(path, 1), 0, 2 ** 40 - 1),
    remapped: readBool(t[2], childPath(path, 2)),
  };
}
