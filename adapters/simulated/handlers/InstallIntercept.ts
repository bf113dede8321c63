import { InstallIntercept } from '../../../src/hv/hypercalls/InstallIntercept.js';
import { passthroughOnly } from './passthroughOnly.js';

/** InstallIntercept: passthrough only; see passthroughOnly for what the model checks. */
export const InstallInterceptHandler = passthroughOnly(InstallIntercept);
