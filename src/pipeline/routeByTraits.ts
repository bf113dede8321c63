import type { Executor } from './Executor.js';

/**
 * Send each plan down the fast path or the windowed path according to its derived traits, never
 * according to its call code (design principle 1).
 *
 * @example
 * const exec = routeByTraits(fastExecutor(env), windowedExecutor(env));
 */
export function routeByTraits(fast: Executor, windowed: Executor): Executor {
  return (plan) => (plan.traits.fast ? fast(plan) : windowed(plan));
}
