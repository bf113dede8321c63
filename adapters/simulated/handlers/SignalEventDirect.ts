import { SignalEventDirect } from '../../../src/hv/hypercalls/SignalEventDirect.js';
import { passthroughOnly } from './passthroughOnly.js';

/** SignalEventDirect: passthrough only; see passthroughOnly for what the model checks. */
export const SignalEventDirectHandler = passthroughOnly(SignalEventDirect);
