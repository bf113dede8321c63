import type { JsonValue } from '../../../src/log/JsonValue.js';
import { type ExtentValueJson, readExtents, writeExtents } from '../../../src/snapshot/extentsJson.js';
import { FieldReader, readInt } from '../../../src/snapshot/FieldReader.js';
import { SnapshotError } from '../../../src/snapshot/SnapshotError.js';
import { GFN_LIMIT, type GpaValue, gpaCodec, type SavedGpaMap } from '../model/GpaMap.js';

const V = 1;
const BACKINGS = ['ram', 'mmio', 'none'] as const satisfies readonly GpaValue['backing'][];

/** GPA map values: `{flags, large, backing}` in the palette, the PFN sliding (-1: unbacked). */
const gpaValueJson: ExtentValueJson<GpaValue> = {
  write: (v) => ({ flags: v.flags, large: v.large, backing: v.backing }),
  read(json, path) {
    const r = FieldReader.of(json, path, 'a GPA mapping');
    const v: GpaValue = {
      pfn: 0,
      flags: r.int('flags', 0, 0xffff_ffff),
      large: r.bool('large'),
      backing: r.oneOf('backing', BACKINGS),
    };
    r.end();
    return v;
  },
  key: (v) => `${v.flags}/${v.large}/${v.backing}`,
  pfn: { of: (v) => v.pfn, with: (v, pfn) => (v.pfn === pfn ? v : { ...v, pfn }), min: -1 },
  joins: (a, len, b) => gpaCodec.joins(a, len, b),
};

/** Accessed/dirty bits: values 1..3. */
const accessJson: ExtentValueJson<number> = {
  write: (v) => v,
  read: (json, path) => readInt(json, path, 1, 3),
  key: (v) => String(v),
  joins: (a, _n, b) => a === b,
};

/**
 * A partition's GPA map as JSON: `{ v, extents, access, slatPages, unmapMissPages }`.
 *
 * @example
 * writeGpaMap(partition.gpa.save());
 */
export function writeGpaMap(s: SavedGpaMap): JsonValue {
  return {
    v: V,
    extents: writeExtents(s.extents, gpaValueJson),
    access: writeExtents(s.access, accessJson),
    slatPages: s.slatPages,
    unmapMissPages: s.unmapMissPages,
  };
}

/**
 * Read a GPA map written by `writeGpaMap`.
 *
 * @example
 * GpaMap.restore(refs, readGpaMap(writeGpaMap(map.save()), '$.gpa'));
 */
export function readGpaMap(json: unknown, path: string): SavedGpaMap {
  const r = FieldReader.of(json, path, 'a GPA map', V);
  const s: SavedGpaMap = {
    extents: readExtents(r.raw('extents'), r.path('extents'), gpaValueJson, GFN_LIMIT),
    access: readExtents(r.raw('access'), r.path('access'), accessJson, GFN_LIMIT),
    slatPages: r.int('slatPages', 0),
    unmapMissPages: r.int('unmapMissPages', 0),
  };
  r.end();
  for (const e of s.extents) {
    if ((e.value.backing === 'none') !== (e.value.pfn === -1))
      throw new SnapshotError(
        r.path('extents'),
        'consistency',
        `GFN ${e.start}: backing '${e.value.backing}' with PFN ${e.value.pfn} (-1 exactly when unbacked)`,
      );
  }
  return s;
}
