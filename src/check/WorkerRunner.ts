import { Worker } from 'node:worker_threads';
import type { CheckModel } from './CheckModel.js';
import type { WorkerRequest } from './checkWorker.js';
import { Coverage, type CoverageData } from './Coverage.js';
import { epochNow } from './epochNow.js';
import type { WorkCounters } from './Explorer.js';
import type { Runner } from './Runner.js';
import { workerScript } from '../workerScript.js';

/** Distributive Omit over the request union. */
type Request = WorkerRequest extends infer R ? (R extends WorkerRequest ? Omit<R, 'id'> : never) : never;

interface Reply {
  readonly id: number;
  readonly ok: boolean;
  readonly result?: unknown;
  readonly error?: string;
}

/**
 * Exploration work spread over `count` worker threads (worker_threads), each with its own Explorer
 * and worlds. Requests go to the least busy worker; results come back by request id. Only the
 * shipped stack runs in workers (a planted variant is code, and cannot be sent to one).
 *
 * @example
 * const runner = new WorkerRunner(model, 2);
 * const [expansion] = await runner.expand([ROOT]);
 */
export class WorkerRunner implements Runner {
  readonly parallelism: number;
  readonly #workers: Worker[] = [];
  readonly #busy: number[] = [];
  readonly #waiting = new Map<
    number,
    { resolve: (v: unknown) => void; reject: (e: Error) => void; worker: number }
  >();
  #nextId = 1;

  constructor(model: CheckModel, count: number) {
    this.parallelism = count;
    const script = workerScript(
      import.meta.url,
      './checkWorker.js',
      '../../dist/src/check/checkWorker.js',
      'check workers',
    );
    for (let i = 0; i < count; i++) {
      const w = new Worker(script, { workerData: { model } });
      w.on('message', (reply: Reply) => {
        const p = this.#waiting.get(reply.id);
        if (p === undefined) return;
        this.#waiting.delete(reply.id);
        this.#busy[p.worker] = (this.#busy[p.worker] ?? 1) - 1;
        if (reply.ok) p.resolve(reply.result);
        else p.reject(new Error(`check worker ${p.worker}: ${reply.error ?? 'failed'}`));
      });
      w.on('error', (e: Error) => {
        for (const [id, p] of this.#waiting)
          if (p.worker === i) {
            this.#waiting.delete(id);
            p.reject(e);
          }
      });
      this.#workers.push(w);
      this.#busy.push(0);
    }
  }

  #send<T>(req: Request, to?: number): Promise<T> {
    const worker = to ?? this.#busy.indexOf(Math.min(...this.#busy));
    const id = this.#nextId++;
    this.#busy[worker] = (this.#busy[worker] ?? 0) + 1;
    return new Promise<T>((resolve, reject) => {
      this.#waiting.set(id, { resolve: resolve as (v: unknown) => void, reject, worker });
      this.#workers[worker]?.postMessage({ ...req, id });
    });
  }

  expand(nodes: Parameters<Runner['expand']>[0]): ReturnType<Runner['expand']> {
    return this.#send({ type: 'expand', nodes });
  }

  dfs(node: Parameters<Runner['dfs']>[0], statesMax: number, timeLeftMs?: number): ReturnType<Runner['dfs']> {
    // The deadline is absolute (epoch milliseconds, the same in every thread): a task queued behind
    // another in its worker must not start its own count when it starts.
    const deadlineMs = timeLeftMs === undefined ? undefined : epochNow() + timeLeftMs;
    return this.#send({ type: 'dfs', node, statesMax, ...(deadlineMs === undefined ? {} : { deadlineMs }) });
  }

  walk(seed: number, index: number): ReturnType<Runner['walk']> {
    return this.#send({ type: 'walk', seed, index });
  }

  async totals(): ReturnType<Runner['totals']> {
    const all = await Promise.all(
      this.#workers.map((_, i) =>
        this.#send<{ coverage: CoverageData; work: WorkCounters }>({ type: 'totals' }, i),
      ),
    );
    const coverage = new Coverage();
    const work: WorkCounters = { steps: 0, worlds: 0 };
    for (const t of all) {
      coverage.merge(t.coverage);
      work.steps += t.work.steps;
      work.worlds += t.work.worlds;
    }
    return { coverage: coverage.data(), work };
  }

  async close(): Promise<void> {
    await Promise.all(this.#workers.map((w) => w.terminate()));
  }
}
