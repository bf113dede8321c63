import { ScrubPartition } from '../../../src/hv/hypercalls/ScrubPartition.js';
import { passthroughOnly } from './passthroughOnly.js';

/** ScrubPartition: passthrough only; see passthroughOnly for what the model checks. */
export const ScrubPartitionHandler = passthroughOnly(ScrubPartition);
