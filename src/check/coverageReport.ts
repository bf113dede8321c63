import { allStates, type GraphState, machineGraph } from '../../machines/diagram/machineGraph.js';
import { partitionMachine } from '../../machines/partition/partitionMachine.js';
import { vpMachine } from '../../machines/vp/vpMachine.js';
import type { CoverageData } from './Coverage.js';
import type { Invariant } from './invariants/Invariant.js';

/** Rest states of a machine: atomic states that are not transient (no unguarded eventless exit). */
function restStates(machine: typeof partitionMachine | typeof vpMachine): string[] {
  const graph = machineGraph(machine);
  const transient = new Set(
    graph.transitions.filter((t) => t.event === 'always' && t.guard === null).map((t) => t.source),
  );
  return allStates(graph.root)
    .filter((s: GraphState) => s.type === 'atomic' && s.history === false && !transient.has(s.id))
    .map((s) => s.id);
}

/** What a coverage report found, by section. */
export interface CoverageSummary {
  readonly partitionStates: {
    readonly reached: number;
    readonly total: number;
    readonly never: readonly string[];
  };
  readonly vpStates: { readonly reached: number; readonly total: number; readonly never: readonly string[] };
  readonly transitions: number;
  readonly calls: Readonly<Record<string, Readonly<Record<string, number>>>>;
  readonly invariants: {
    readonly exercised: Readonly<Record<string, number>>;
    readonly never: readonly string[];
  };
}

/**
 * Compare coverage with the machine definitions and the invariant list: rest states reached (and
 * the ones never reached, by name), distinct transitions taken, hypercalls by answered status, and
 * invariants by how often they applied (and the ones never exercised).
 *
 * @example
 * summarizeCoverage(result.coverage, ALL_INVARIANTS).partitionStates.never; // ['live.paused', ...]
 */
export function summarizeCoverage(c: CoverageData, invariants: readonly Invariant[]): CoverageSummary {
  const section = (kind: 'partition' | 'vp', all: string[]): CoverageSummary['partitionStates'] => {
    const never = all.filter((s) => c.states[`${kind}:${s}`] === undefined);
    return { reached: all.length - never.length, total: all.length, never };
  };
  const calls: Record<string, Record<string, number>> = {};
  for (const [k, n] of Object.entries(c.calls)) {
    const [name = k, status = '?'] = k.split(' ');
    (calls[name] ??= {})[status] = n;
  }
  return {
    partitionStates: section('partition', restStates(partitionMachine)),
    vpStates: section('vp', restStates(vpMachine)),
    transitions: Object.keys(c.transitions).length,
    calls,
    invariants: {
      exercised: Object.fromEntries(invariants.map((i) => [i.name, c.invariants[i.name] ?? 0])),
      never: invariants.filter((i) => (c.invariants[i.name] ?? 0) === 0).map((i) => i.name),
    },
  };
}

/**
 * The coverage report as text lines (what `mshv-control check` prints at the end).
 *
 * @example
 * coverageLines(result.coverage, ALL_INVARIANTS).join('\n');
 */
export function coverageLines(c: CoverageData, invariants: readonly Invariant[]): string[] {
  const s = summarizeCoverage(c, invariants);
  const never = (xs: readonly string[]): string => (xs.length === 0 ? 'none' : xs.join(', '));
  const lines = [
    'coverage:',
    `  partition states reached ${s.partitionStates.reached}/${s.partitionStates.total}; never: ${never(s.partitionStates.never)}`,
    `  VP states reached ${s.vpStates.reached}/${s.vpStates.total}; never: ${never(s.vpStates.never)}`,
    `  machine transitions taken: ${s.transitions} distinct`,
    '  hypercalls × statuses:',
  ];
  for (const [name, statuses] of Object.entries(s.calls).sort((a, b) => (a[0] < b[0] ? -1 : 1)))
    lines.push(
      `    ${name}: ${Object.entries(statuses)
        .map(([st, n]) => `${st} ${n}`)
        .join(', ')}`,
    );
  lines.push(
    `  invariants exercised: ${Object.entries(s.invariants.exercised)
      .map(([n, k]) => `${n} ${k}`)
      .join(', ')}`,
    `  invariants never exercised: ${never(s.invariants.never)}`,
  );
  return lines;
}
