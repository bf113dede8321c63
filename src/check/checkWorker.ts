/**
 * Worker-thread entry of `WorkerRunner`: one Explorer over the model in `workerData`, answering
 * `expand`, `dfs`, `walk` and `totals` requests by id.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { CheckModel } from './CheckModel.js';
import { dfsFrom } from './dfsFrom.js';
import { Explorer, type PathNode } from './Explorer.js';
import { randomWalk } from './randomWalk.js';
import { epochNow } from './epochNow.js';

export type WorkerRequest =
  | { readonly id: number; readonly type: 'expand'; readonly nodes: readonly PathNode[] }
  | {
      readonly id: number;
      readonly type: 'dfs';
      readonly node: PathNode;
      readonly statesMax: number;
      /** When the task must stop, in epoch milliseconds (`epochNow`). */
      readonly deadlineMs?: number;
    }
  | { readonly id: number; readonly type: 'walk'; readonly seed: number; readonly index: number }
  | { readonly id: number; readonly type: 'totals' };

const port = parentPort;
if (port !== null) {
  const explorer = new Explorer((workerData as { readonly model: CheckModel }).model);
  port.on('message', (req: WorkerRequest) => {
    try {
      let result: unknown;
      switch (req.type) {
        case 'expand':
          result = req.nodes.map((n) => explorer.expand(n));
          break;
        case 'dfs': {
          // The threads' shared clock, read here at the worker's entry as the CLI injects the main
          // thread's: only a time limit reads it.
          const deadline = req.deadlineMs;
          result = dfsFrom(
            explorer,
            req.node,
            req.statesMax,
            deadline === undefined ? undefined : () => epochNow() >= deadline,
          );
          break;
        }
        case 'walk':
          result = randomWalk(explorer, req.seed, req.index);
          break;
        case 'totals':
          result = { coverage: explorer.coverage.data(), work: { ...explorer.work } };
          break;
      }
      port.postMessage({ id: req.id, ok: true, result });
    } catch (e) {
      port.postMessage({
        id: req.id,
        ok: false,
        error: e instanceof Error ? (e.stack ?? e.message) : String(e),
      });
    }
  });
}
