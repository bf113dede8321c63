/**
 * The model checker on its default model (issue 6): BFS over the full stack (ControlPlane, driver
 * model, simulated hypervisor), with 1 and with 2 worker threads. Reports transitions (steps judged
 * from explored states) and steps executed (replays of paths from the root included) per CPU second
 * of the whole process, per wall second, and the wall time; `check-default-2w` is reported against
 * `check-default-1w` by wall time (the speed-up is its inverse). `check-random-1w` runs the model's
 * seeded random walks instead: a walk continues on its own world, so nothing is replayed and its
 * rate is the stack's own step rate (each walk still builds a world and ends in a crash judged on a
 * logging world), the ceiling a stateless BFS approaches as its replays get cheaper.
 */
import { performance } from 'node:perf_hooks';
import { defaultModel } from '../../../src/check/defaultModel.js';
import { runCheck } from '../../../src/check/runCheck.js';

async function measure(workers: number, strategy: 'bfs' | 'random' = 'bfs'): Promise<Record<string, number>> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const r = await runCheck({ model: defaultModel(), strategy, workers });
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const cpuS = (cpu.user + cpu.system) / 1e6;
  if (r.verdict !== 'clean') throw new Error(`default model: ${r.verdict}`);
  return {
    workers,
    states: r.states,
    transitions: r.transitions,
    stepsExecuted: r.work.steps,
    worldsBuilt: r.work.worlds,
    wallMs: Math.round(wallMs),
    cpuS: Math.round(cpuS * 100) / 100,
    transitionsPerCpuS: Math.round(r.transitions / cpuS),
    stepsPerCpuS: Math.round(r.work.steps / cpuS),
    transitionsPerWallS: Math.round((r.transitions / wallMs) * 1000),
  };
}

export const runOneWorker = (): Promise<Record<string, number>> => measure(1);
export const runTwoWorkers = (): Promise<Record<string, number>> => measure(2);
export const runRandomOneWorker = (): Promise<Record<string, number>> => measure(1, 'random');
