import {
  allStates,
  type GraphState,
  type MachineGraph,
  machineGraph,
} from '../../machines/diagram/machineGraph.js';
import { HANDLERS } from '../../adapters/simulated/handlers/index.js';
import { HvStatus, hvStatusName } from '../hv/HvStatus.js';
import { partitionMachine } from '../../machines/partition/partitionMachine.js';
import { vpMachine } from '../../machines/vp/vpMachine.js';
import type { CoverageData } from './Coverage.js';
import type { Invariant } from './invariants/Invariant.js';

type Machine = typeof partitionMachine | typeof vpMachine;

/** States left by an unguarded eventless transition: never at rest, so never in a transition record. */
function transientStates(graph: MachineGraph): Set<string> {
  return new Set(
    graph.transitions.filter((t) => t.event === 'always' && t.guard === null).map((t) => t.source),
  );
}

/** Rest states of a machine: atomic states that are not transient. */
function restStates(machine: Machine): string[] {
  const graph = machineGraph(machine);
  const transient = transientStates(graph);
  return allStates(graph.root)
    .filter((s: GraphState) => s.type === 'atomic' && s.history === false && !transient.has(s.id))
    .map((s) => s.id);
}

const within = (state: string, node: string): boolean =>
  node === '' || state === node || state.startsWith(`${node}.`);

/**
 * Event transitions of the definition with a target that no record matches: a record matches when
 * its event is the transition's, its `from` lies in the transition's source and its `to` in the
 * target (a history target: in its parent; a target that passes through a transient state: anywhere,
 * since the machine moved on within the same step). Eventless transitions are left out: records name the event that started
 * a step, not the eventless ones inside it.
 */
function transitionsNever(kind: 'partition' | 'vp', machine: Machine, c: CoverageData): string[] {
  const graph = machineGraph(machine);
  const transient = transientStates(graph);
  const nodes = new Map(allStates(graph.root).map((s) => [s.id, s]));
  /** Entering `id` passes through a transient state (itself or an initial descendant): it ends anywhere. */
  const passesTransient = (id: string): boolean => {
    for (let s = nodes.get(id); s !== undefined; s = s.initial === null ? undefined : nodes.get(s.initial))
      if (transient.has(s.id)) return true;
    return false;
  };
  const seen = Object.keys(c.transitions)
    .filter((k) => k.startsWith(`${kind}:`))
    .map((k) => {
      const m = /^[a-z]+:(\S+) -(\S+)-> (\S+)$/.exec(k);
      return { from: m?.[1] ?? '', event: m?.[2] ?? '', to: m?.[3] ?? '' };
    });
  const out: string[] = [];
  for (const t of graph.transitions) {
    if (t.event === 'always' || t.targets.length === 0) continue;
    const targets = t.targets.map((id) => {
      if (passesTransient(id)) return '';
      return id.endsWith('.hist') ? id.slice(0, Math.max(0, id.lastIndexOf('.'))) : id;
    });
    const hit = seen.some(
      (r) =>
        r.event === t.event && within(r.from, t.source) && targets.some((target) => within(r.to, target)),
    );
    if (!hit) out.push(`${t.source || '(any)'} -${t.event}-> ${t.targets.join('|')}`);
  }
  return out;
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
  /** Event transitions of the definitions no run took (`source -EVENT-> target`), per machine. */
  readonly transitionsNever: { readonly partition: readonly string[]; readonly vp: readonly string[] };
  /** Hypercalls the simulated hypervisor handles that no run issued. */
  readonly callsNever: readonly string[];
  /**
   * `<HYPERCALL> <STATUS>` pairs a handler declares (SUCCESS and its `statuses`, the list the model
   * loader checks fault choices against) that no run answered, for the hypercalls that were issued
   * (the ones never issued are `callsNever`, every status of theirs with them).
   */
  readonly callStatusesNever: readonly string[];
  readonly calls: Readonly<Record<string, Readonly<Record<string, number>>>>;
  readonly invariants: {
    readonly exercised: Readonly<Record<string, number>>;
    readonly never: readonly string[];
  };
}

/**
 * Compare coverage with the machine definitions, the simulated hypervisor's handlers and the
 * invariant list: rest states reached (and the ones never reached, by name), distinct transitions
 * taken, hypercalls by answered status (and the ones never issued, and for the issued ones the
 * statuses their handler declares that no run saw), and invariants by how often they applied (and
 * the ones never exercised).
 *
 * @example
 * summarizeCoverage(result.coverage, ALL_INVARIANTS).partitionStates.never; // ['live.paused', ...]
 * summarizeCoverage(result.coverage, ALL_INVARIANTS).callStatusesNever; // ['CREATE_VP ACCESS_DENIED', ...]
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
    transitionsNever: {
      partition: transitionsNever('partition', partitionMachine, c),
      vp: transitionsNever('vp', vpMachine, c),
    },
    callsNever: HANDLERS.map((h) => h.def.name)
      .filter((n) => calls[n] === undefined)
      .sort(),
    callStatusesNever: HANDLERS.filter((h) => calls[h.def.name] !== undefined)
      .flatMap((h) =>
        [HvStatus.SUCCESS, ...h.statuses]
          .map(hvStatusName)
          .filter((st) => calls[h.def.name]?.[st] === undefined)
          .map((st) => `${h.def.name} ${st}`),
      )
      .sort(),
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
    `  machine transitions taken: ${s.transitions} distinct; never: partition ${never(s.transitionsNever.partition)}; vp ${never(s.transitionsNever.vp)}`,
    '  hypercalls × statuses:',
  ];
  for (const [name, statuses] of Object.entries(s.calls).sort((a, b) => (a[0] < b[0] ? -1 : 1)))
    lines.push(
      `    ${name}: ${Object.entries(statuses)
        .map(([st, n]) => `${st} ${n}`)
        .join(', ')}`,
    );
  lines.push(
    `  hypercalls never issued: ${never(s.callsNever)}`,
    `  statuses never answered (hypercalls issued, statuses their handler declares): ${never(s.callStatusesNever)}`,
    `  invariants exercised: ${Object.entries(s.invariants.exercised)
      .map(([n, k]) => `${n} ${k}`)
      .join(', ')}`,
    `  invariants never exercised: ${never(s.invariants.never)}`,
  );
  return lines;
}
