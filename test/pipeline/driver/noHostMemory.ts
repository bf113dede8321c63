import type { HostMemory } from '../../../src/pipeline/driver/HostMemory.js';

/**
 * Host memory for driver rigs that map no guest memory: no VMA anywhere, nothing to pin or fault in, no RAM;
 * unpinning (which only a map could have made necessary) is a test bug.
 */
export const NO_HOST_MEMORY: HostMemory = {
  findVma: () => undefined,
  pinUserRange: () => ({ kind: 'none' }),
  faultUserRange: () => ({ kind: 'none' }),
  mmInvalidations: () => 0,
  unpinUserRange: () => {
    throw new Error('NO_HOST_MEMORY: nothing was pinned');
  },
  rangeHasRam: () => false,
};
