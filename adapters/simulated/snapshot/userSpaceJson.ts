import type { RngState } from '../../../src/det/Rng.js';
import type { JsonValue } from '../../../src/log/JsonValue.js';
import { type ExtentValueJson, readExtents, writeExtents } from '../../../src/snapshot/extentsJson.js';
import { FieldReader, hexWord64 } from '../../../src/snapshot/FieldReader.js';
import { readRng, writeRng } from '../../../src/snapshot/rngJson.js';
import { SnapshotError } from '../../../src/snapshot/SnapshotError.js';
import type { RacingMigration, SavedUserSpace } from '../host/UserSpace.js';

const V = 1;

/** Resident VMA pages: page index → PFN, one value with the PFN sliding. */
const residentJson: ExtentValueJson<number> = {
  write: () => 0,
  read: () => 0,
  key: () => '',
  pfn: { of: (v) => v, with: (_v, pfn) => pfn, min: 0 },
  joins: (a, len, b) => a + len === b,
};

/**
 * The VMM's address space as JSON: `{ v, cursor, rng, resident }`, one extent list per VMA in
 * address order, and `race: { userAddr, pages }` while a migration is armed to race the next
 * fault-in (absent otherwise, so a snapshot without one reads as it always did).
 *
 * @example
 * writeUserSpace(user.save(), user.rng.state());
 */
export function writeUserSpace(s: SavedUserSpace, rng: RngState): JsonValue {
  return {
    v: V,
    cursor: s.cursor,
    rng: writeRng(rng),
    resident: s.resident.map((extents) => writeExtents(extents, residentJson)),
    ...(s.race === undefined ? {} : { race: { userAddr: hexWord64(s.race.userAddr), pages: s.race.pages } }),
  };
}

/**
 * Read an address space written by `writeUserSpace` for VMAs of `vmaPages` pages (address order)
 * in a machine whose RAM ends at `endPfn`.
 *
 * @example
 * readUserSpace(json, '$.machine.user', [262144], ram.endPfn);
 */
export function readUserSpace(
  json: unknown,
  path: string,
  vmaPages: readonly number[],
  endPfn: number,
): { readonly saved: SavedUserSpace; readonly rng: RngState } {
  const r = FieldReader.of(json, path, 'the VMM address space', V);
  const cursor = r.int('cursor', 0);
  const rng = readRng(r.raw('rng'), r.path('rng'));
  const resident = r.each(
    'resident',
    (item, p, i) => {
      const extents = readExtents(item, p, residentJson, vmaPages[i] ?? 0);
      for (const e of extents) {
        if (e.value + (e.end - e.start) > endPfn)
          throw new SnapshotError(
            p,
            'range',
            `pages [${e.start}, ${e.end}) are resident beyond RAM (${endPfn})`,
          );
      }
      return extents;
    },
    { length: vmaPages.length },
  );
  let race: RacingMigration | undefined;
  if (r.has('race')) {
    const rr = r.object('race', 'a racing migration');
    race = { userAddr: rr.word('userAddr'), pages: rr.int('pages', 1) };
    rr.end();
  }
  r.end();
  return { saved: { cursor, resident, ...(race === undefined ? {} : { race }) }, rng };
}
