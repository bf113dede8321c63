import type { HypercallDef } from '../../../src/hv/Hypercall.js';
import { S, type SimpleHandler, simpleHandler } from './Handler.js';

/**
 * A call that reaches the hypervisor only through MSHV_ROOT_HVCALL and whose input the repository
 * models as opaque bytes (no layout in src/hv): the model checks that the first u64 (which the driver
 * overwrites with the partition id) names a live, initialized partition and answers SUCCESS without
 * output. Enough for the passthrough path's plumbing; the call's own semantics are not modelled.
 *
 * @example
 * export const InstallInterceptHandler = passthroughOnly(InstallIntercept);
 */
export function passthroughOnly(def: HypercallDef): SimpleHandler {
  return simpleHandler(def, [S.INVALID_PARTITION_ID, S.INVALID_PARTITION_STATE], (ctx) => {
    const p = ctx.m.resolve(ctx.input.getBigUint64(0, true));
    if (p === undefined) return S.INVALID_PARTITION_ID;
    if (p.state !== 'initialized') return S.INVALID_PARTITION_STATE;
    return S.SUCCESS;
  });
}
