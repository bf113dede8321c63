import { oneOf, type Codec } from './Codec.js';
import { defaulted, objectCodec } from './objectCodec.js';
import type { KernelConfig, RamRegions } from './Scenario.js';

/** The values of `kernel.ramRegions`. */
export const RAM_REGIONS = ['pinned', 'movable'] as const satisfies readonly RamRegions[];

/**
 * The `kernel` object of a scenario; every field optional, an unknown one refused by name.
 *
 * @example
 * kernelCodec.read({ ramRegions: 'movable' }, '$.kernel'); // { ramRegions: 'movable' }
 */
export const kernelCodec: Codec<KernelConfig> = objectCodec<KernelConfig>(
  { ramRegions: defaulted(oneOf(RAM_REGIONS, 'ramRegions'), 'pinned') },
  "the host kernel's configuration",
);
