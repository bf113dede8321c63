import { GetVpCpuidValues } from '../../../src/hv/hypercalls/GetVpCpuidValues.js';
import { passthroughOnly } from './passthroughOnly.js';

/** GetVpCpuidValues: passthrough only; see passthroughOnly for what the model checks. */
export const GetVpCpuidValuesHandler = passthroughOnly(GetVpCpuidValues);
