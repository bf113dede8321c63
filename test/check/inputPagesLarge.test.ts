import { describe, expect, it } from 'vitest';
import type { CheckWorld } from '../../src/check/CheckWorld.js';
import type { ObservedCall } from '../../src/check/invariants/Invariant.js';
import { inputPages } from '../../src/check/invariants/inputPages.js';
import { HV_MAP_GPA, HV_MODIFY_SPA_PAGE_HOST_ACCESS } from '../../src/hv/flags/HvMapGpaFlag.js';
import { traitsOf, type HypercallDef } from '../../src/hv/Hypercall.js';
import { AcquireSparseSpaPageHostAccess } from '../../src/hv/hypercalls/AcquireSparseSpaPageHostAccess.js';
import { MapGpaPages } from '../../src/hv/hypercalls/MapGpaPages.js';
import { ReleaseSparseSpaPageHostAccess } from '../../src/hv/hypercalls/ReleaseSparseSpaPageHostAccess.js';

/** A rep call on the per-CPU page: `header` written by the caller, then the PFN list. */
function call(def: HypercallDef, header: (v: DataView) => void, pfns: readonly bigint[]): ObservedCall {
  const traits = traitsOf(def);
  const view = new DataView(new ArrayBuffer(4096));
  header(view);
  pfns.forEach((p, i) => {
    view.setBigUint64(traits.headerSize + i * 8, p, true);
  });
  return {
    code: def.code,
    name: def.name,
    def,
    traits,
    fast: false,
    control: 0n,
    repCount: pfns.length,
    repStart: 0,
    input: view,
    perCpu: true,
    window: 1,
  };
}

const world = undefined as unknown as CheckWorld;
const HEADS = [0x200n, 0x400n];
const NOT_HEAD = [0x200n, 0x401n];

describe('inputPages: large-page lists carry 2 MiB head PFNs only (review point 4)', () => {
  it.each([
    [
      'MAP_GPA_PAGES',
      MapGpaPages,
      (v: DataView) => {
        v.setUint32(16, HV_MAP_GPA.READABLE | HV_MAP_GPA.LARGE_PAGE, true);
      },
    ],
    [
      'ACQUIRE_SPARSE_SPA_PAGE_HOST_ACCESS',
      AcquireSparseSpaPageHostAccess,
      (v: DataView) => {
        v.setUint32(4, HV_MODIFY_SPA_PAGE_HOST_ACCESS.LARGE_PAGE, true);
      },
    ],
    [
      'RELEASE_SPARSE_SPA_PAGE_HOST_ACCESS',
      ReleaseSparseSpaPageHostAccess,
      (v: DataView) => {
        v.setUint32(4, HV_MODIFY_SPA_PAGE_HOST_ACCESS.LARGE_PAGE, true);
      },
    ],
  ] as const)(
    '%s in large-page mode: heads pass, an entry off a 2 MiB boundary is named',
    (name, def, header) => {
      expect(inputPages.beforeCall?.(call(def, header, HEADS), world)).toBeUndefined();
      expect(inputPages.beforeCall?.(call(def, header, NOT_HEAD), world)).toBe(
        `${name}: large-page entry 1 is PFN 0x401, not a 2 MiB head page`,
      );
      // In 4 KiB mode any PFN is an entry.
      expect(
        inputPages.beforeCall?.(
          call(def, () => undefined, NOT_HEAD),
          world,
        ),
      ).toBeUndefined();
    },
  );
});
