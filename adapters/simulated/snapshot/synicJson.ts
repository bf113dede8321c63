import type { JsonValue } from '../../../src/log/JsonValue.js';
import { FieldReader, hexWord64, readInt } from '../../../src/snapshot/FieldReader.js';
import { readSparseBytes, writeSparseBytes } from '../../../src/snapshot/sparseBytes.js';
import { SnapshotError } from '../../../src/snapshot/SnapshotError.js';
import { EVENT_RING_SLOTS, type LateMessage, type SavedSynicCpu } from '../host/Synic.js';
import { HV_MESSAGE_SIZE } from '../model/Messages.js';

const V = 1;
const RING_BYTES = 4 + EVENT_RING_SLOTS * 4;

/**
 * The per-CPU SynIC state as JSON: `{ v, cpus: [{ slot, queue, ring, ringHead, ringPending, posted,
 * late? }] }`, byte buffers as sparse segments; `late` (messages due at a later simulated time, each
 * `{ dueNs, message }`) only when there is one, so snapshots without late messages read as before.
 *
 * @example
 * writeSynic(synic.save());
 */
export function writeSynic(cpus: readonly SavedSynicCpu[]): JsonValue {
  return {
    v: V,
    cpus: cpus.map((c) => ({
      slot: writeSparseBytes(c.slot),
      queue: c.queue.map((m) => writeSparseBytes(m)),
      ring: writeSparseBytes(c.ring),
      ringHead: c.ringHead,
      ringPending: [...c.ringPending],
      posted: c.posted,
      ...(c.late.length === 0
        ? {}
        : { late: c.late.map((l) => ({ dueNs: hexWord64(l.dueNs), message: writeSparseBytes(l.message) })) }),
    })),
  };
}

/**
 * Read a SynIC written by `writeSynic` for `cpuCount` CPUs.
 *
 * @example
 * Synic.restore(readSynic(writeSynic(synic.save()), '$.synic', synic.cpuCount));
 */
export function readSynic(json: unknown, path: string, cpuCount: number): SavedSynicCpu[] {
  const r = FieldReader.of(json, path, 'the SynIC', V);
  const cpus = r.each(
    'cpus',
    (item, p) => {
      const c = FieldReader.of(item, p, "one CPU's SynIC");
      const s: SavedSynicCpu = {
        slot: readSparseBytes(c.raw('slot'), c.path('slot'), HV_MESSAGE_SIZE),
        queue: c.each('queue', (m, mp) => readSparseBytes(m, mp, HV_MESSAGE_SIZE)),
        ring: readSparseBytes(c.raw('ring'), c.path('ring'), RING_BYTES),
        ringHead: c.int('ringHead', 0, EVENT_RING_SLOTS - 1),
        ringPending: c.each('ringPending', (x, xp) => readInt(x, xp, 0, 0xffff_ffff)),
        posted: c.int('posted', 0),
        late: c.has('late') ? readLate(c) : [],
      };
      c.end();
      return s;
    },
    { length: cpuCount },
  );
  r.end();
  return cpus;
}

/**
 * One CPU's late messages, due times never decreasing: the SynIC posts them from the front while
 * the front one is due (`postDue`), so a message out of order would be held back behind a later
 * one instead of reaching SINT0 at its time.
 */
function readLate(c: FieldReader): LateMessage[] {
  let last = 0n;
  return c.each('late', (l, lp) => {
    const m = FieldReader.of(l, lp, 'a late message');
    const late = {
      dueNs: m.word('dueNs'),
      message: readSparseBytes(m.raw('message'), m.path('message'), HV_MESSAGE_SIZE),
    };
    m.end();
    if (late.dueNs < last)
      throw new SnapshotError(
        `${lp}.dueNs`,
        'order',
        `due at ${late.dueNs} ns, before the message ahead of it (${last} ns)`,
      );
    last = late.dueNs;
    return late;
  });
}
