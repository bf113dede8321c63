import { HV_MAP_GPA, HV_MODIFY_SPA_PAGE_HOST_ACCESS } from '../../hv/flags/HvMapGpaFlag.js';
import { PAGES_PER_LARGE_PAGE } from '../../hv/Page.js';
import type { Invariant } from './Invariant.js';

/**
 * Calls whose list carries 2 MiB head PFNs when a flag of the header is set (inventory §c.4 "Large
 * pages", review point 4): the header field and the flag bit.
 */
const LARGE_PAGE_LISTS: Readonly<Record<string, { readonly field: string; readonly bit: number }>> = {
  MAP_GPA_PAGES: { field: 'mapFlags', bit: HV_MAP_GPA.LARGE_PAGE },
  // The host-access changes of SNP regions walk the same page array the same way (review point 4).
  ACQUIRE_SPARSE_SPA_PAGE_HOST_ACCESS: { field: 'flags', bit: HV_MODIFY_SPA_PAGE_HOST_ACCESS.LARGE_PAGE },
  RELEASE_SPARSE_SPA_PAGE_HOST_ACCESS: { field: 'flags', bit: HV_MODIFY_SPA_PAGE_HOST_ACCESS.LARGE_PAGE },
};

/**
 * What the hypervisor reads (seed review point 2 and its outcome; inventory §b.5, §c.4): every
 * reserved and padding byte of a call's fixed input, and of each struct list element it carries, is
 * zero; a rep call issued on the per-CPU page carries at most its batch capacity (`batchRepsMax`,
 * derived from the 4 KiB page or a named bound); and a large-page list carries only 2 MiB-aligned
 * head PFNs.
 *
 * @example
 * inputPages.beforeCall?.(call, world); // 'MAP_GPA_PAGES: reserved or padding bytes not zero: padding@20'
 */
export const inputPages: Invariant = {
  name: 'inputPages',
  summary:
    'reserved and padding input bytes are zero, rep batches stay within capacity, large-page lists carry 2M-aligned head PFNs',
  beforeCall(call) {
    const def = call.def;
    const view = call.input;
    if (def === undefined || view === null || def.input === undefined) return null;
    const bad = def.input.reservedViolations(view, 0);
    if (bad.length > 0)
      return `${call.name}: reserved or padding bytes not zero: ${bad.map((b) => b.field).join(', ')}`;
    const t = call.traits;
    if (t?.kind !== 'rep') return undefined;
    const element = def.inputElement;
    if (element?.layout !== undefined)
      for (let i = call.repStart; i < call.repCount; i++) {
        const e = element.layout.reservedViolations(view, t.headerSize + i * element.size);
        if (e.length > 0)
          return `${call.name}: list element ${i}: reserved bytes not zero: ${e.map((b) => b.field).join(', ')}`;
      }
    if (call.perCpu && call.repCount > t.batchRepsMax)
      return `${call.name}: ${call.repCount} reps in one call; its batch capacity is ${t.batchRepsMax}`;
    const large = LARGE_PAGE_LISTS[call.name];
    if (large !== undefined) {
      const flags = def.input.decode(view, 0)[large.field];
      if (typeof flags === 'number' && (flags & large.bit) >>> 0 !== 0)
        for (let i = call.repStart; i < call.repCount; i++) {
          const pfn = view.getBigUint64(t.headerSize + i * t.elementSize, true);
          if (pfn % BigInt(PAGES_PER_LARGE_PAGE) !== 0n)
            return `${call.name}: large-page entry ${i} is PFN 0x${pfn.toString(16)}, not a 2 MiB head page`;
        }
    }
    return undefined;
  },
};
