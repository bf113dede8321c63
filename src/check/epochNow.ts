import { performance } from 'node:perf_hooks';

/**
 * High-resolution epoch milliseconds: the one clock check worker threads share (each thread's
 * `performance.now()` counts from its own start). Only a time limit across threads reads it; the
 * main thread's exploration reads the clock runCheck was given.
 *
 * @example
 * const deadlineMs = epochNow() + 5_000;
 */
export function epochNow(): number {
  return performance.timeOrigin + performance.now();
}
