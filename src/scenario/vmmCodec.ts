import { DEFAULT_VMM, type VmmConfig } from '../runtime/VmmConfig.js';
import { bool, type Codec } from './Codec.js';
import { defaulted, objectCodec } from './objectCodec.js';

/**
 * The `vmm` object of a check model's world and of a log's run meta (`VmmConfig`); every field
 * optional, an unknown one refused by name.
 *
 * @example
 * vmmCodec.read({ mapVpRegisterPages: true }, '$.world.vmm'); // { mapVpRegisterPages: true }
 */
export const vmmCodec: Codec<VmmConfig> = objectCodec<VmmConfig>(
  { mapVpRegisterPages: defaulted(bool, DEFAULT_VMM.mapVpRegisterPages) },
  "the VMM's behaviour",
);
