/**
 * The bench cases, in report order. `group` is the file under cases/ that defines a case, so
 * `npm run bench -- stackMap1TiB` runs both of its cases and `npm run bench -- stack-map-1tib-2m`
 * one. A case with `ratio` is reported against a baseline case's metric.
 */
import { run as actors } from './cases/actors.js';
import { run as hostApi } from './cases/hostApi.js';
import { run as logRead } from './cases/logRead.js';
import { runDirect, runNative } from './cases/nativeModel.js';
import { runOneWorker, runRandomOneWorker, runTwoWorkers } from './cases/checkDefault.js';
import { run as pfnLoop } from './cases/pfnLoop.js';
import { run as scenario1TiB } from './cases/scenario1TiB.js';
import { run as simMap1TiB } from './cases/simMap1TiB.js';
import { run as snapshot1TiB } from './cases/snapshot1TiB.js';
import { run as planeChurn } from './cases/planeChurn.js';
import { runPlaneCase, runScenarioCase } from './cases/replay.js';
import { run2m, run4k } from './cases/stackMap1TiB.js';

export interface BenchCase {
  readonly name: string;
  /** The file under cases/ (without extension) that defines it. */
  readonly group: string;
  readonly run: () => Promise<Record<string, number>>;
  readonly ratio?: { readonly baseline: string; readonly metric: string };
  /** A ceiling the case must stay under (issue 3: a 1 TiB guest of 4K pages within 512 MiB peak RSS). */
  readonly peakRssMiBMax?: number;
}

/** Issue 3's bound on a 1 TiB guest of 4 KiB pages mapped and unmapped. */
export const MAP_1TIB_PEAK_RSS_MIB_MAX = 512;

export const benchCases: readonly BenchCase[] = [
  { name: 'pfn-loop-1tib-4k', group: 'pfnLoop', run: pfnLoop },
  {
    name: 'stack-map-1tib-4k',
    group: 'stackMap1TiB',
    run: run4k,
    ratio: { baseline: 'pfn-loop-1tib-4k', metric: 'wallMs' },
    peakRssMiBMax: MAP_1TIB_PEAK_RSS_MIB_MAX,
  },
  { name: 'stack-map-1tib-2m', group: 'stackMap1TiB', run: run2m },
  {
    name: 'sim-map-1tib-4k',
    group: 'simMap1TiB',
    run: simMap1TiB,
    peakRssMiBMax: MAP_1TIB_PEAK_RSS_MIB_MAX,
  },
  {
    name: 'scenario-1tib-4k',
    group: 'scenario1TiB',
    run: scenario1TiB,
    peakRssMiBMax: MAP_1TIB_PEAK_RSS_MIB_MAX,
  },
  { name: 'snapshot-1tib-4k', group: 'snapshot1TiB', run: snapshot1TiB },
  { name: 'log-read', group: 'logRead', run: logRead },
  { name: 'actors', group: 'actors', run: actors },
  {
    name: 'host-api-1000x16',
    group: 'hostApi',
    run: hostApi,
    ratio: { baseline: 'actors', metric: 'heapPerVpActorBytes' },
  },
  // Replay rate against the raw read-and-decode rate of the same log (issue 5: replay ≥ 50% of raw).
  { name: 'replay-scenario', group: 'replay', run: runScenarioCase },
  { name: 'replay-plane', group: 'replay', run: runPlaneCase },
  // A long-lived logged control plane making and closing VMs: a life costs the same late as early.
  { name: 'plane-churn', group: 'planeChurn', run: planeChurn },
  // The native adapter's struct path over the model kernel, against the driver model called directly.
  { name: 'device-direct', group: 'nativeModel', run: runDirect },
  {
    name: 'native-model',
    group: 'nativeModel',
    run: runNative,
    ratio: { baseline: 'device-direct', metric: 'wallMs' },
  },
  { name: 'check-default-1w', group: 'checkDefault', run: runOneWorker },
  {
    name: 'check-default-2w',
    group: 'checkDefault',
    run: runTwoWorkers,
    ratio: { baseline: 'check-default-1w', metric: 'wallMs' },
  },
  { name: 'check-random-1w', group: 'checkDefault', run: runRandomOneWorker },
];

/**
 * The cases a command line selects: all for no arguments, else every case whose name or group is
 * listed, in report order. An argument that names nothing is an error naming what exists.
 *
 * @example
 * selectCases(['stackMap1TiB']).map((c) => c.name); // ['stack-map-1tib-4k', 'stack-map-1tib-2m']
 */
export function selectCases(args: readonly string[]): readonly BenchCase[] {
  const unknown = args.filter((a) => !benchCases.some((c) => c.name === a || c.group === a));
  if (unknown.length > 0) {
    const known = [...new Set(benchCases.flatMap((c) => [c.group, c.name]))].join(', ');
    throw new RangeError(`bench: unknown case ${unknown.map((u) => `'${u}'`).join(', ')}; known: ${known}`);
  }
  if (args.length === 0) return benchCases;
  return benchCases.filter((c) => args.includes(c.name) || args.includes(c.group));
}
