import {
  HV_PARTITION_CREATION_FLAG,
  HV_PARTITION_ISOLATION_TYPE,
} from '../../../src/hv/flags/HvPartitionCreationFlag.js';
import { HV_VP_STATE_PAGE } from '../../../src/hv/flags/HvVpState.js';
import {
  MAP_LOCATION_PROVIDED,
  MapVpStatePage,
  MapVpStatePageInput,
  MapVpStatePageOutput,
} from '../../../src/hv/hypercalls/MapVpStatePage.js';
import { PFN_LIMIT } from '../host/HostRam.js';
import { S, simpleHandler, vpOf, vtlOk } from './Handler.js';

/**
 * MAP_VP_STATE_PAGE: map a VP's registers (0), intercept-message (1) or GHCB (2) page and return its
 * PFN. The page is the hypervisor's, taken from the partition's pool (INSUFFICIENT_MEMORY; 1-page
 * deposit per retry), unless the root provides one (flags bit 0, requested_map_location: a kernel page
 * it owns, not mapped or shared, ACCESS_DENIED otherwise; at or beyond 2^40, INVALID_PARAMETER). The intercept page needs the INTERCEPT_MESSAGE_PAGE_ENABLED
 * creation flag and the GHCB an SNP partition (INVALID_PARAMETER). Mapping a type already mapped
 * returns the same page. The root reads these pages through HostPort.physPage.
 */
export const MapVpStatePageHandler = simpleHandler(
  MapVpStatePage,
  [
    S.INVALID_PARTITION_ID,
    S.INVALID_PARTITION_STATE,
    S.INVALID_VP_INDEX,
    S.INVALID_PARAMETER,
    S.ACCESS_DENIED,
    S.INSUFFICIENT_MEMORY,
  ],
  (ctx) => {
    const v = MapVpStatePageInput.decode(ctx.input);
    const found = vpOf(ctx, v.partitionId, v.vpIndex);
    if (!found.ok) return found.status;
    const { p, vp } = found.value;
    if (!vtlOk(v.inputVtl) || v.type > HV_VP_STATE_PAGE.GHCB) return S.INVALID_PARAMETER;
    if (
      v.type === HV_VP_STATE_PAGE.INTERCEPT_MESSAGE &&
      !p.hasFlag(HV_PARTITION_CREATION_FLAG.INTERCEPT_MESSAGE_PAGE_ENABLED)
    )
      return S.INVALID_PARAMETER;
    if (v.type === HV_VP_STATE_PAGE.GHCB && p.isolationType !== HV_PARTITION_ISOLATION_TYPE.SNP)
      return S.INVALID_PARAMETER;
    const provided = (v.flags & MAP_LOCATION_PROVIDED) !== 0;
    if (!provided && v.requestedMapLocation !== 0n) return S.INVALID_PARAMETER;
    const m = ctx.m;
    let page = vp.statePages.get(v.type);
    if (page !== undefined && provided && BigInt(page.pfn) !== v.requestedMapLocation)
      return S.INVALID_PARAMETER;
    if (page === undefined) {
      if (provided) {
        if (v.requestedMapLocation >= BigInt(PFN_LIMIT)) return S.INVALID_PARAMETER;
        const pfn = Number(v.requestedMapLocation);
        if (m.ram.sharedWithRoot.has(pfn) || !m.ram.all(pfn, 1, (o) => o.kind === 'kernel' && o.maps === 0))
          return S.ACCESS_DENIED;
        page = { pfn, overlay: true };
        m.ram.zeroContents(pfn);
      } else {
        const pfn = p.pool.takePage();
        if (pfn === undefined) return S.INSUFFICIENT_MEMORY;
        page = { pfn, overlay: false };
      }
      vp.statePages.set(v.type, page);
      m.ram.sharedWithRoot.add(page.pfn);
      const contents = m.ram.contents(page.pfn);
      if (v.type === HV_VP_STATE_PAGE.REGISTERS) contents.view.setUint16(0, 1, true);
      if (v.type === HV_VP_STATE_PAGE.INTERCEPT_MESSAGE && vp.lastMessage !== null)
        contents.bytes.set(vp.lastMessage);
    }
    if (ctx.output !== null) MapVpStatePageOutput.encode({ mapLocation: BigInt(page.pfn) }, ctx.output.view);
    return S.SUCCESS;
  },
);
