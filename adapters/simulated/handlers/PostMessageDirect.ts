import { PostMessageDirect } from '../../../src/hv/hypercalls/PostMessageDirect.js';
import { passthroughOnly } from './passthroughOnly.js';

/** PostMessageDirect: passthrough only; see passthroughOnly for what the model checks. */
export const PostMessageDirectHandler = passthroughOnly(PostMessageDirect);
