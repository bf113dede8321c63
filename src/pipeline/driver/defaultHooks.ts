import { awaitAsyncCompletion } from './awaitAsyncCompletion.js';
import type { DriverHooks } from './DriverHooks.js';
import { faultedRanges } from './faultedRanges.js';
import { invalidateMovableRange } from './invalidateMovableRange.js';
import { unmapGpaPages } from './gpaMapping.js';
import { unwindPartialMap } from './mapRegion.js';
import { movableRegionFaulting } from './movableRegion.js';
import { releaseVp } from './releaseVp.js';

/** The newest upstream kernel's behaviour at every extension point. */
export const defaultHooks: DriverHooks = {
  unwindPartialMap,
  unmapGpaPages,
  releaseVp,
  // One completion object per partition: a completed-but-unconsumed async status blocks the next call.
  asyncGateOpen: (pt) => !pt.asyncCompletionDone,
  awaitAsyncCompletion,
  gpaFaultRegion: movableRegionFaulting,
  movableUnmapRanges: faultedRanges,
  invalidateMovable: invalidateMovableRange,
  faultInRetry: (env, _region, seq) => env.host.mmInvalidations() !== seq,
};
