import { HV_PAGE_SIZE } from '../hv/Page.js';
import type { UserMemRegion } from '../ports/DevicePort.js';
import { argumentError } from './HostError.js';
import type { Region } from './Region.js';
import { type Result, failure, success } from './Result.js';
import { regionKey } from './regionOf.js';
import { u64Field } from './u64Field.js';

const PAGE = BigInt(HV_PAGE_SIZE);
const hex = (v: bigint): string => `0x${v.toString(16)}`;

/**
 * The key of the region an unmap names, found the way MSHV_SET_GUEST_MEMORY with UNMAP finds it
 * (inventory §c.4): the mapped region that contains `guestPfn`, whose start GFN, user address and size
 * must each equal the request's, else EINVAL naming the first that differs. A Region that `mapMemory`
 * returned always passes; one built or edited by the caller is held to the kernel's rule, so a region
 * is unmapped whole or not at all. When no region contains `guestPfn` this is the key a region there
 * would have: the machine then refuses the request (ENOENT after its phase checks).
 *
 * @example
 * mappedRegionKey('partition.unmapMemory', { ...ram, size: 4096n }, plane.regions('vm0'));
 * // EINVAL: size: 0x1000 is not the mapped region's 0x40000000 (wholeRegion)
 */
export function mappedRegionKey(
  op: string,
  region: Region,
  mapped: ReadonlyMap<string, UserMemRegion>,
): Result<string> {
  const guestPfn = u64Field(op, 'guestPfn', region.guestPfn);
  if (!guestPfn.ok) return guestPfn;
  const size = u64Field(op, 'size', region.size);
  if (!size.ok) return size;
  const userAddr = u64Field(op, 'userAddr', region.userAddr);
  if (!userAddr.ok) return userAddr;
  for (const [key, r] of mapped) {
    if (guestPfn.value < r.guestPfn || guestPfn.value >= r.guestPfn + r.size / PAGE) continue;
    const differs = (field: string, asked: bigint, held: bigint): Result<string> =>
      failure(
        argumentError(
          op,
          field,
          'wholeRegion',
          `${hex(asked)} is not the mapped region's ${hex(held)} (start GFN, address and size must all match, inventory §c.4)`,
        ),
      );
    if (guestPfn.value !== r.guestPfn) return differs('guestPfn', guestPfn.value, r.guestPfn);
    if (userAddr.value !== r.userspaceAddr) return differs('userAddr', userAddr.value, r.userspaceAddr);
    if (size.value !== r.size) return differs('size', size.value, r.size);
    return success(key);
  }
  return success(regionKey(guestPfn.value));
}
