import { TranslateVirtualAddress } from '../../../src/hv/hypercalls/TranslateVirtualAddress.js';
import { passthroughOnly } from './passthroughOnly.js';

/** TranslateVirtualAddress: passthrough only; see passthroughOnly for what the model checks. */
export const TranslateVirtualAddressHandler = passthroughOnly(TranslateVirtualAddress);
