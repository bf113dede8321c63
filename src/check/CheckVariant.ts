import type { VmmHooks } from '../runtime/VmmHooks.js';
import type { Machines } from '../runtime/Machines.js';
import type { SimWorldOptions } from '../runner/SimWorld.js';

/**
 * A planted variant of the stack: driver extension points (hooks, input filler, executor
 * composition), machine definitions made with `provide`, and VMM hooks. The shipped code has no switch for any
 * of them; the checker's self-test builds each through these seams. The name goes into every
 * counterexample so a replay knows which variant to rebuild.
 *
 * @example
 * const variant: CheckVariant = { name: 'noDepositRetry', world: { wrapExecutor: (routed) => routed } };
 */
export interface CheckVariant {
  readonly name: string;
  readonly world?: Omit<SimWorldOptions, 'wrapHypervisor' | 'randomFaults'>;
  readonly machines?: Machines;
  /** VMM extension points replaced (a VMM that forgets an unmap, …). */
  readonly vmm?: Partial<VmmHooks>;
}
