import type { CallOutcome, CallPlan } from './CallPlan.js';

/**
 * Runs one planned hypercall to its outcome. Executors compose: the fast path, the windowed path,
 * deposit-and-retry and the router are each one stage in its own file, so a test can swap one stage
 * for a deliberately broken variant without a switch in the shipped code.
 */
export type Executor = (plan: CallPlan) => CallOutcome;
