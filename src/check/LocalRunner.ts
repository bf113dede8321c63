import type { CheckModel } from './CheckModel.js';
import type { CheckVariant } from './CheckVariant.js';
import { dfsFrom } from './dfsFrom.js';
import { Explorer } from './Explorer.js';
import { randomWalk } from './randomWalk.js';
import type { Runner } from './Runner.js';
import type { StateDigest } from './stateDigest.js';

/**
 * The runner of one thread: an Explorer here. It takes a planted variant (functions cannot cross to
 * a worker thread), so the self-test runs here.
 *
 * @example
 * const runner = new LocalRunner(model);
 */
export class LocalRunner implements Runner {
  readonly parallelism = 1;
  readonly explorer: Explorer;

  constructor(
    model: CheckModel,
    variant?: CheckVariant,
    digest?: StateDigest,
    /** The clock a task's time left is measured on (runCheck's injected one); none: no task expires. */
    readonly now?: () => number,
  ) {
    this.explorer = new Explorer(model, variant, digest);
  }

  expand(nodes: readonly Parameters<Explorer['expand']>[0][]): ReturnType<Runner['expand']> {
    return Promise.resolve(nodes.map((n) => this.explorer.expand(n)));
  }

  dfs(node: Parameters<Runner['dfs']>[0], statesMax: number, timeLeftMs?: number): ReturnType<Runner['dfs']> {
    const now = this.now;
    if (timeLeftMs === undefined || now === undefined)
      return Promise.resolve(dfsFrom(this.explorer, node, statesMax));
    const deadline = now() + timeLeftMs;
    return Promise.resolve(dfsFrom(this.explorer, node, statesMax, () => now() >= deadline));
  }

  walk(seed: number, index: number): ReturnType<Runner['walk']> {
    return Promise.resolve(randomWalk(this.explorer, seed, index));
  }

  totals(): ReturnType<Runner['totals']> {
    return Promise.resolve({ coverage: this.explorer.coverage.data(), work: { ...this.explorer.work } });
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
