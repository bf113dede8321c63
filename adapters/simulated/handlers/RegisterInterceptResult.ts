import { RegisterInterceptResult } from '../../../src/hv/hypercalls/RegisterInterceptResult.js';
import { passthroughOnly } from './passthroughOnly.js';

/** RegisterInterceptResult: passthrough only; see passthroughOnly for what the model checks. */
export const RegisterInterceptResultHandler = passthroughOnly(RegisterInterceptResult);
